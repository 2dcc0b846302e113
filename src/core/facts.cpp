// The defaults of Facts: UTC, and no function to call.
#include "facts.hpp"

namespace journey {

std::string
Facts::TimeZone()
{
	return "UTC";
}

const TimeZones &
Facts::Zones()
{
	return DefaultTimeZones();
}

Json
Facts::Call(const std::string &function, const std::string &, const Json &)
{
	throw StepError("cannot call function \"" + function + "\": no function may be called here");
}

}	 // namespace journey
