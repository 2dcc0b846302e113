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

}	 // namespace journey
