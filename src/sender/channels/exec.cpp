// exec: the message as JSON on a command's stdin. Exit 0: sent; 75 (EX_TEMPFAIL), a signal or the timeout:
// retry; any other exit: dead, with the command's stderr as the error.
#include "sender/channels/channel.hpp"
#include "sender/stop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace journey::sender {

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
	pid_t pid = -1;
	size_t index = 0;
	int in = -1;  // its stdin (we write the message)
	int err = -1; // its stderr (we read the error)
	std::string input;
	size_t written = 0;
	std::string error;
	Clock::time_point deadline;
	bool timed_out = false;
};

void
CloseFd(int &fd) {
	if (fd >= 0)
		close(fd);
	fd = -1;
}

class ExecChannel : public Channel {
  public:
	explicit ExecChannel(const ChannelConfig &c) : config_(c) {}

	void Deliver(const std::vector<Message> &messages, std::vector<Outcome> &outcomes) override {
		outcomes.assign(messages.size(), Outcome{});
		std::vector<Child> running;
		size_t next = 0;
		while (true) {
			while (!Stopping() && next < messages.size() && running.size() < static_cast<size_t>(config_.concurrency)) {
				Child c;
				c.index = next++;
				if (!Start(messages[c.index], c)) {
					outcomes[c.index].result = Result::Retry;
					outcomes[c.index].error = "exec: cannot start the command: " + c.error;
					continue;
				}
				running.push_back(std::move(c));
			}
			if (running.empty())
				break;
			if (Aborting()) {
				for (auto &c : running) {
					kill(-c.pid, SIGKILL);
					waitpid(c.pid, nullptr, 0);
					CloseFd(c.in);
					CloseFd(c.err);
					outcomes[c.index].result = Result::Abandoned;
				}
				running.clear();
				break;
			}
			Pump(running);
			for (size_t i = 0; i < running.size();) {
				Child &c = running[i];
				int status = 0;
				pid_t done = waitpid(c.pid, &status, WNOHANG);
				if (done == 0 && Clock::now() >= c.deadline && !c.timed_out) {
					c.timed_out = true;
					kill(-c.pid, SIGKILL);
				}
				if (done != c.pid) {
					++i;
					continue;
				}
				Drain(c);
				CloseFd(c.in);
				CloseFd(c.err);
				outcomes[c.index] = Judge(c, status);
				running.erase(running.begin() + static_cast<long>(i));
			}
		}
		for (size_t i = next; i < messages.size(); ++i) {
			outcomes[i].result = Result::Released;
			outcomes[i].error = "sender stopped before delivering it";
		}
	}

  private:
	bool Start(const Message &m, Child &c) {
		int in[2], err[2];
		if (pipe2(in, O_CLOEXEC) != 0) {
			c.error = std::strerror(errno);
			return false;
		}
		if (pipe2(err, O_CLOEXEC) != 0) {
			c.error = std::strerror(errno);
			close(in[0]);
			close(in[1]);
			return false;
		}
		c.input = config_.body == "payload" ? m.payload : m.envelope;
		c.input += '\n';
		std::string id = std::to_string(m.id), attempt = std::to_string(m.attempts);
		pid_t pid = fork();
		if (pid < 0) {
			c.error = std::strerror(errno);
			close(in[0]);
			close(in[1]);
			close(err[0]);
			close(err[1]);
			return false;
		}
		if (pid == 0) {
			setpgid(0, 0);
			signal(SIGPIPE, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			dup2(in[0], 0);
			dup2(err[1], 2);
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 1);
			setenv("JOURNEY_OUTBOX_ID", id.c_str(), 1);
			setenv("JOURNEY_DEDUP_KEY", m.dedup_key.c_str(), 1);
			setenv("JOURNEY_USER_ID", m.user_id.c_str(), 1);
			setenv("JOURNEY_CHANNEL", m.channel.c_str(), 1);
			setenv("JOURNEY_ATTEMPT", attempt.c_str(), 1);
			execl("/bin/sh", "sh", "-c", config_.command.c_str(), static_cast<char *>(nullptr));
			_exit(127);
		}
		setpgid(pid, pid);
		close(in[0]);
		close(err[1]);
		c.pid = pid;
		c.in = in[1];
		c.err = err[0];
		fcntl(c.in, F_SETFL, O_NONBLOCK);
		fcntl(c.err, F_SETFL, O_NONBLOCK);
		c.deadline = Clock::now() + std::chrono::microseconds(static_cast<long long>(config_.timeout * 1e6));
		return true;
	}

	// Writes what stdin can take and reads what stderr has, waiting up to 20 ms (1 ms when a child is exiting).
	static void Pump(std::vector<Child> &running) {
		std::vector<pollfd> fds;
		bool exiting = false; // a child closed its pipes: it is exiting, reap it soon
		for (auto &c : running) {
			if (c.in >= 0)
				fds.push_back({c.in, POLLOUT, 0});
			if (c.err >= 0)
				fds.push_back({c.err, POLLIN, 0});
			exiting = exiting || (c.in < 0 && c.err < 0);
		}
		poll(fds.data(), fds.size(), exiting ? 1 : 20);
		for (auto &c : running) {
			if (c.in >= 0) {
				while (c.written < c.input.size()) {
					ssize_t n = write(c.in, c.input.data() + c.written, c.input.size() - c.written);
					if (n <= 0) {
						if (n < 0 && errno == EAGAIN)
							break;
						c.written = c.input.size(); // EPIPE: the command does not read its input
					} else
						c.written += static_cast<size_t>(n);
				}
				if (c.written >= c.input.size())
					CloseFd(c.in);
			}
			Drain(c);
		}
	}

	static void Drain(Child &c) {
		char buf[4096];
		while (c.err >= 0) {
			ssize_t n = read(c.err, buf, sizeof buf);
			if (n > 0) {
				if (c.error.size() < 4000)
					c.error.append(buf, std::min(static_cast<size_t>(n), 4000 - c.error.size()));
				continue;
			}
			if (n == 0)
				CloseFd(c.err);
			break;
		}
	}

	static Outcome Judge(Child &c, int status) {
		Outcome o;
		while (!c.error.empty() && (c.error.back() == '\n' || c.error.back() == '\r'))
			c.error.pop_back();
		if (c.timed_out) {
			o.result = Result::Retry;
			o.error = "exec: timed out";
			return o;
		}
		if (WIFSIGNALED(status)) {
			o.result = Result::Retry;
			o.error =
				"exec: killed by signal " + std::to_string(WTERMSIG(status)) + (c.error.empty() ? "" : ": " + c.error);
			return o;
		}
		int code = WEXITSTATUS(status);
		if (code == 0) {
			o.result = Result::Sent;
			return o;
		}
		o.result = code == 75 ? Result::Retry : Result::Dead;
		o.error = "exec: exit " + std::to_string(code) + (c.error.empty() ? "" : ": " + c.error);
		return o;
	}

	ChannelConfig config_;
};

} // namespace

std::unique_ptr<Channel>
MakeExecChannel(const ChannelConfig &config) {
	return std::make_unique<ExecChannel>(config);
}

} // namespace journey::sender
