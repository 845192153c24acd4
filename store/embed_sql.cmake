# Turn schema.sql into a C file holding it as a NUL-terminated char array.
file(READ ${IN} HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
file(WRITE ${OUT} "/* generated from store/schema.sql; do not edit */\nconst char store_schema_sql[] = {${BYTES}0x00};\n")
