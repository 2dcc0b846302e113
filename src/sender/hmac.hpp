// HMAC-SHA256 of a webhook's body (OpenSSL), as lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace journey::sender {

std::string HmacSha256Hex(std::string_view key, std::string_view data);

} // namespace journey::sender
