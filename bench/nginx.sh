# bench/nginx.sh -- the local multi-host site the crawl benches fetch from:
# nginx (Debian) serving $W/site/hN on 127.0.0.(N+2):PORT, one server per
# host, its pid in $W/nginx.pid. Source it, then:
#   bench_nginx_start W HOSTS PORT HTTP_DIRECTIVES
# HTTP_DIRECTIVES go into the http block (logging, gzip).
bench_nginx_start() {
  local w=$1 hosts=$2 port=$3 extra=$4 h
  {
    echo "pid $w/nginx.pid; error_log $w/error.log; worker_processes 2; events { worker_connections 1024; }"
    echo "http { $extra"
    echo "  client_body_temp_path $w/t1; proxy_temp_path $w/t2; fastcgi_temp_path $w/t3; uwsgi_temp_path $w/t4; scgi_temp_path $w/t5;"
    echo "  types { text/html html; text/plain txt; } default_type text/html; charset utf-8;"
    for h in $(seq 0 $((hosts - 1))); do
      echo "  server { listen 127.0.0.$((h + 2)):$port; root $w/site/h$h; }"
    done
    echo "}"
  } > "$w/nginx.conf"
  /usr/sbin/nginx -p "$w" -c "$w/nginx.conf"
  sleep 0.5
}
