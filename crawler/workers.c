/*
 * workers.c -- the page handler's extract part on a pool of threads. Jobs
 * queue in the order the crawl loop submits them; any worker takes the
 * oldest waiting one; the crawl loop takes finished jobs back from the
 * front only, so what it stores keeps the submission order.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <pthread.h>
#include <stdlib.h>

struct crawl_workers {
    const struct crawl_page_handler *handler;
    void *ctx;
    void (*wake)(void *wake_ctx);
    void *wake_ctx;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or quit */
    pthread_cond_t done; /* a job finished */
    struct crawl_job *head, *tail; /* every job not yet taken back, oldest first */
    struct crawl_job *next;        /* the oldest waiting job (NULL: none) */
    size_t n;                      /* jobs between head and tail */
    int quit;
    pthread_t *threads;
    int n_threads;
};

static void *worker_main(void *arg) {
    struct crawl_workers *w = arg;
    pthread_setname_np(pthread_self(), "malmoi-extract"); /* seen in top -H and /proc */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->quit && w->next == NULL)
            pthread_cond_wait(&w->work, &w->mu);
        if (w->quit)
            break;
        struct crawl_job *j = w->next;
        w->next = j->next;
        j->state = CRAWL_JOB_RUNNING;
        pthread_mutex_unlock(&w->mu);
        mm_err_clear(&j->err);
        j->result = NULL;
        j->rc = w->handler->extract(w->ctx, j->page, &j->result, &j->err);
        pthread_mutex_lock(&w->mu);
        j->state = CRAWL_JOB_DONE;
        pthread_cond_broadcast(&w->done);
        if (w->wake)
            w->wake(w->wake_ctx);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

mm_rc crawl_workers_start(int threads, const struct crawl_page_handler *handler, void *ctx, void (*wake)(void *),
                          void *wake_ctx, struct crawl_workers **out, struct mm_err *err) {
    *out = NULL;
    struct crawl_workers *w = calloc(1, sizeof *w);
    if (w == NULL || (w->threads = calloc((size_t)threads, sizeof *w->threads)) == NULL) {
        free(w);
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    }
    w->handler = handler;
    w->ctx = ctx;
    w->wake = wake;
    w->wake_ctx = wake_ctx;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
            crawl_workers_free(w);
            return mm_err_set(err, MM_ENOMEM, "cannot start extraction thread %d of %d", i + 1, threads);
        }
        w->n_threads++;
    }
    *out = w;
    return MM_OK;
}

void crawl_workers_submit(struct crawl_workers *w, struct crawl_job *j) {
    j->next = NULL;
    j->state = CRAWL_JOB_WAITING;
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    if (w->next == NULL)
        w->next = j;
    w->n++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

size_t crawl_workers_pending(struct crawl_workers *w) {
    pthread_mutex_lock(&w->mu);
    size_t n = w->n;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Unlink the front job (the lock held). */
static struct crawl_job *pop_head(struct crawl_workers *w) {
    struct crawl_job *j = w->head;
    w->head = j->next;
    if (w->head == NULL)
        w->tail = NULL;
    if (w->next == j)
        w->next = j->next;
    w->n--;
    j->next = NULL;
    return j;
}

struct crawl_job *crawl_workers_take(struct crawl_workers *w, int wait) {
    struct crawl_job *j = NULL;
    pthread_mutex_lock(&w->mu);
    if (wait)
        while (w->head && w->head->state != CRAWL_JOB_DONE && w->n_threads > 0)
            pthread_cond_wait(&w->done, &w->mu);
    if (w->head && (w->head->state == CRAWL_JOB_DONE || (w->n_threads == 0 && w->head->state == CRAWL_JOB_WAITING)))
        j = pop_head(w);
    pthread_mutex_unlock(&w->mu);
    return j;
}

void crawl_workers_stop(struct crawl_workers *w) {
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    w->n_threads = 0; /* what is left in the queue: taken back as not extracted */
}

void crawl_workers_free(struct crawl_workers *w) {
    if (w == NULL)
        return;
    crawl_workers_stop(w);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->mu);
    free(w->threads);
    free(w);
}
