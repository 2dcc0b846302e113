#include "sender/hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace journey::sender {

std::string
HmacSha256Hex(std::string_view key, std::string_view data) {
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char *>(data.data()),
		 data.size(), digest, &length);
	static const char hex[] = "0123456789abcdef";
	std::string out;
	out.reserve(length * 2);
	for (unsigned int i = 0; i < length; ++i) {
		out.push_back(hex[digest[i] >> 4]);
		out.push_back(hex[digest[i] & 15]);
	}
	return out;
}

} // namespace journey::sender
