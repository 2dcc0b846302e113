// Reading function arguments into C++ values.
#pragma once
#include "pg/postgres.hpp"

#include <string>
#include <vector>

namespace journey {

std::string JsonbArgText(FunctionCallInfo fcinfo, int arg);		  // jsonb argument as JSON text
std::string TextArg(FunctionCallInfo fcinfo, int arg);			  // text argument
std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int arg);  // text[] argument (nulls skipped)
int64_t TimestampArgOrNow(FunctionCallInfo fcinfo, int arg);	  // timestamptz argument, now() when null

// The elements of an int4[] or text[] value (deconstructed in `context`; a null element reads as 0 / empty).
std::vector<int32_t> Int4Elements(Datum array, MemoryContext context);
std::vector<std::string> TextElements(Datum array, MemoryContext context, bool skip_nulls);

}	 // namespace journey
