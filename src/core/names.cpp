// Names a definition may use: journeys, nodes, channels.
#include "compile.hpp"

#include <algorithm>
#include <array>

namespace journey {

namespace {

constexpr size_t kMaxNameLength = 63;

constexpr std::array<std::string_view, 10> kBuiltinChannels = {
	"email", "sms", "push", "web_push", "in_app", "web_overlay", "whatsapp", "webhook", "audience", "survey",
};

constexpr std::array<std::string_view, 4> kAddresslessChannels = {"in_app", "web_overlay", "audience", "webhook"};

bool
IsLower(char c)
{
	return c >= 'a' && c <= 'z';
}

bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

}	 // namespace

bool
IsValidJourneyName(std::string_view name)
{
	if (name.empty() || name.size() > kMaxNameLength || !IsLower(name[0]))
		return false;
	return std::all_of(name.begin(), name.end(), [](char c) { return IsLower(c) || IsDigit(c) || c == '_'; });
}

bool
IsValidNodeId(std::string_view id)
{
	if (id.empty() || id.size() > kMaxNameLength)
		return false;
	return std::all_of(id.begin(), id.end(), [](char c) {
		return IsLower(c) || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '-' || c == '?' || c == '!';
	});
}

bool
IsBuiltinChannel(std::string_view channel)
{
	return std::find(kBuiltinChannels.begin(), kBuiltinChannels.end(), channel) != kBuiltinChannels.end();
}

bool
IsAddresslessChannel(std::string_view channel)
{
	return std::find(kAddresslessChannels.begin(), kAddresslessChannels.end(), channel) != kAddresslessChannels.end();
}

}	 // namespace journey
