/*
 * text_int.h -- declarations shared inside text/ only: character classes
 * used by the splitter, the normaliser and the filters.
 */
#ifndef MALMOI_TEXT_INT_H
#define MALMOI_TEXT_INT_H

#include <stdint.h>

#include "text.h"

int text_is_space(uint32_t c);
int text_is_hangul(uint32_t c);

#endif
