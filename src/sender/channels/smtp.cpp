// smtp: a plain-text mail through libcurl's SMTP (STARTTLS when offered), Message-ID from the dedup key.
#include "sender/channels/channel.hpp"
#include "sender/channels/curl_pool.hpp"

#include <cctype>
#include <ctime>

namespace journey::sender {

namespace {

// A header value on one line: CR and LF (header injection) become spaces.
std::string
OneLine(std::string s) {
	for (char &c : s)
		if (c == '\r' || c == '\n')
			c = ' ';
	return s;
}

bool
Ascii(const std::string &s) {
	for (unsigned char c : s)
		if (c >= 0x80)
			return false;
	return true;
}

std::string
Base64(const std::string &in, bool wrap) {
	static const char *table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string out;
	size_t line = 0;
	for (size_t i = 0; i < in.size(); i += 3) {
		unsigned n = static_cast<unsigned char>(in[i]) << 16;
		if (i + 1 < in.size())
			n |= static_cast<unsigned char>(in[i + 1]) << 8;
		if (i + 2 < in.size())
			n |= static_cast<unsigned char>(in[i + 2]);
		out += table[(n >> 18) & 63];
		out += table[(n >> 12) & 63];
		out += i + 1 < in.size() ? table[(n >> 6) & 63] : '=';
		out += i + 2 < in.size() ? table[n & 63] : '=';
		if (wrap && (line += 4) >= 76) {
			out += "\r\n";
			line = 0;
		}
	}
	if (wrap && line > 0)
		out += "\r\n";
	return out;
}

// RFC 2047 for a non-ASCII subject.
std::string
EncodeHeader(const std::string &s) {
	return Ascii(s) ? s : "=?UTF-8?B?" + Base64(s, false) + "?=";
}

// The address inside "Name <address>", or the whole.
std::string
Address(const std::string &s) {
	auto lt = s.find('<'), gt = s.rfind('>');
	if (lt != std::string::npos && gt != std::string::npos && gt > lt)
		return s.substr(lt + 1, gt - lt - 1);
	return s;
}

// The left side of Message-ID: the dedup key with every character outside RFC 5322's atext (':' among them)
// as '.', e.g. 42:email:1 → 42.email.1.
std::string
MessageIdLeft(const std::string &key) {
	static const std::string specials = "!#$%&'*+-/=?^_`{|}~";
	std::string out;
	for (unsigned char c : key)
		out +=
			(std::isalnum(c) || specials.find(static_cast<char>(c)) != std::string::npos) ? static_cast<char>(c) : '.';
	return out;
}

std::string
Substitute(std::string s, const Message &m) {
	auto replace = [&s](const std::string &from, const std::string &to) {
		for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
			s.replace(at, from.size(), to);
	};
	replace("{user_id}", m.user_id);
	replace("{dedup_key}", m.dedup_key);
	replace("{id}", std::to_string(m.id));
	return s;
}

// Keeps the server's last reply line (e.g. "550 5.1.1 mailbox unavailable") for the error.
int
KeepReply(CURL *, curl_infotype type, char *data, size_t size, void *user) {
	if (type != CURLINFO_HEADER_IN)
		return 0;
	auto *t = static_cast<Transfer *>(user);
	std::string line(data, size);
	while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
		line.pop_back();
	if (line.size() >= 3 && (line[0] == '4' || line[0] == '5'))
		t->response = line.substr(0, 500);
	return 0;
}

class SmtpChannel : public Channel {
  public:
	explicit SmtpChannel(const ChannelConfig &c) : config_(c), pool_(c.concurrency) {}

	void Deliver(const std::vector<Message> &messages, std::vector<Outcome> &outcomes) override {
		pool_.Run(
			messages, outcomes, [this](Transfer &t, const Message &m) { Prepare(t, m); },
			[](Transfer &t, CURLcode code) { return Finish(t, code); });
	}

  private:
	std::string Mail(const Message &m) const {
		char date[64];
		std::time_t now = std::time(nullptr);
		std::tm tm{};
		gmtime_r(&now, &tm);
		std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
		std::string body;
		bool plain = Ascii(m.body);
		size_t line = 0;
		for (char c : m.body) {
			if (c == '\r')
				continue;
			if (c == '\n') {
				body += "\r\n";
				line = 0;
				continue;
			}
			body += c;
			if (++line > 900)
				plain = false;
		}
		std::string mail;
		mail += "From: " + OneLine(config_.from) + "\r\n";
		mail += "To: " + OneLine(m.to) + "\r\n";
		mail += "Subject: " + EncodeHeader(OneLine(m.subject)) + "\r\n";
		mail += std::string("Date: ") + date + "\r\n";
		mail += "Message-ID: <" + MessageIdLeft(m.dedup_key) + "@" + OneLine(config_.host) + ">\r\n";
		mail += "X-Journey-Dedup-Key: " + OneLine(m.dedup_key) + "\r\n";
		if (!config_.list_unsubscribe.empty())
			mail += "List-Unsubscribe: " + OneLine(Substitute(config_.list_unsubscribe, m)) + "\r\n";
		mail += "MIME-Version: 1.0\r\n";
		mail += "Content-Type: text/plain; charset=UTF-8\r\n";
		if (plain)
			mail += "Content-Transfer-Encoding: 7bit\r\n\r\n" + body;
		else
			mail += "Content-Transfer-Encoding: base64\r\n\r\n" + Base64(m.body, true);
		if (mail.size() < 2 || mail.compare(mail.size() - 2, 2, "\r\n") != 0)
			mail += "\r\n";
		return mail;
	}

	void Prepare(Transfer &t, const Message &m) {
		if (m.to.empty()) {
			t.skip = true;
			t.early.result = Result::Dead;
			t.early.error = "no recipient: payload.to is empty";
			return;
		}
		t.request = Mail(m);
		t.recipients = curl_slist_append(nullptr, Address(m.to).c_str());
		from_ = "<" + Address(config_.from) + ">";
		CURL *e = t.easy;
		curl_easy_setopt(e, CURLOPT_URL, config_.url.c_str());
		curl_easy_setopt(e, CURLOPT_MAIL_FROM, from_.c_str());
		curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t.recipients);
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.request.size()));
		curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout * 1000));
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, KeepReply);
		curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
		if (!config_.user.empty()) {
			curl_easy_setopt(e, CURLOPT_USERNAME, config_.user.c_str());
			curl_easy_setopt(e, CURLOPT_PASSWORD, config_.password.c_str());
		}
		if (config_.insecure) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}

	static Outcome Finish(Transfer &t, CURLcode code) {
		Outcome o;
		if (code == CURLE_OK) {
			o.result = Result::Sent;
			return o;
		}
		long reply = 0;
		curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &reply);
		// A 5xx reply refuses this message for good (550 no such mailbox); authentication (530, 535) and
		// 4xx replies, like connection problems, may pass later.
		bool permanent = reply >= 500 && reply < 600 && reply != 530 && reply != 535;
		o.result = permanent ? Result::Dead : Result::Retry;
		o.error = "SMTP " + std::to_string(reply) + ": " + (t.error[0] ? t.error : curl_easy_strerror(code));
		if (!t.response.empty())
			o.error += " (" + t.response + ")";
		return o;
	}

	ChannelConfig config_;
	CurlPool pool_;
	std::string from_;
};

} // namespace

std::unique_ptr<Channel>
MakeSmtpChannel(const ChannelConfig &config) {
	return std::make_unique<SmtpChannel>(config);
}

} // namespace journey::sender
