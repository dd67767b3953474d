# Writes a C++ source defining `std::string_view <SYMBOL>()` that returns the bytes of INPUT.
# Usage (at build time): cmake -DINPUT=... -DOUTPUT=... -DSYMBOL=... -P embed_file.cmake
file(READ "${INPUT}" content)
string(FIND "${content}" ")LJEMBED\"" bad)
if(NOT bad EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )LJEMBED\"")
endif()
file(WRITE "${OUTPUT}" "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nstd::string_view ${SYMBOL}() {\n  static constexpr char kData[] = R\"LJEMBED(${content})LJEMBED\";\n  return std::string_view(kData, sizeof(kData) - 1);\n}\n")
