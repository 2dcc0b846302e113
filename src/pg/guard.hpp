// The C++ / Postgres boundary (DESIGN.md):
//  - PgCall runs a lambda of Postgres calls and turns an ereport longjmp into a C++ PgError, so no
//    longjmp crosses a C++ frame that owns objects. The lambda itself must own no C++ objects.
//  - InvokeCpp runs C++ work for a function Postgres called and reports any exception with ereport
//    only after every C++ scope has closed, so no exception crosses a Postgres frame.
#pragma once
#include "pg/postgres.hpp"

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

extern "C" {
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace journey {

// A Postgres error caught by PgCall; owns a copy of the ErrorData (in the top transaction's memory, freed
// with the exception unless Release()d to be reported).
class PgError : public std::exception {
public:
	explicit PgError(ErrorData *edata) : edata_(edata) {}
	PgError(PgError &&other) noexcept : edata_(std::exchange(other.edata_, nullptr)) {}
	PgError(const PgError &) = delete;
	PgError &operator=(const PgError &) = delete;
	~PgError() override;
	const char *what() const noexcept override;
	ErrorData *Release() noexcept { return std::exchange(edata_, nullptr); }
	int SqlState() const noexcept;

private:
	ErrorData *edata_;
};

// An error of ours, for the user: SQLSTATE (5 characters), lowercase message, optional detail and hint.
class UserError : public std::runtime_error {
public:
	UserError(const char *sqlstate, std::string message, std::string detail = {}, std::string hint = {})
		: std::runtime_error(std::move(message)), sqlstate_(sqlstate), detail_(std::move(detail)),
		  hint_(std::move(hint))
	{
	}
	const char *SqlState() const noexcept { return sqlstate_; }
	const std::string &Detail() const noexcept { return detail_; }
	const std::string &Hint() const noexcept { return hint_; }

private:
	const char *sqlstate_;
	std::string detail_;
	std::string hint_;
};

[[noreturn]] void ThrowCaughtPgError(MemoryContext caller_context);

template <typename F>
auto
PgCall(F &&f) -> decltype(f())
{
	using Result = decltype(f());
	static_assert(std::is_void_v<Result> || std::is_trivially_copyable_v<Result>,
				  "PgCall returns only plain values: C++ objects must not live across a longjmp");
	MemoryContext caller_context = CurrentMemoryContext;
	bool failed = false;
	if constexpr (std::is_void_v<Result>) {
		PG_TRY();
		{
			f();
		}
		PG_CATCH();
		{
			failed = true;
		}
		PG_END_TRY();
		if (failed)
			ThrowCaughtPgError(caller_context);
	} else {
		Result result{};
		PG_TRY();
		{
			result = f();
		}
		PG_CATCH();
		{
			failed = true;
		}
		PG_END_TRY();
		if (failed)
			ThrowCaughtPgError(caller_context);
		return result;
	}
}

// What a C++ body left to report once its scope has closed.
struct PendingError {
	ErrorData *pg_error = nullptr;
	bool has_error = false;
	char sqlstate[6] = {0};
	char message[1024] = {0};
	char detail[1024] = {0};
	char hint[512] = {0};
};

void CapturePending(PendingError &pending) noexcept;	// call inside a catch (...) block
[[noreturn]] void ReportPending(PendingError &pending);

// Runs body() (C++), then ereports whatever it threw, outside of any C++ scope.
template <typename F>
Datum
InvokeCpp(F &&body)
{
	PendingError pending;
	Datum result = (Datum)0;
	try {
		result = body();
	} catch (...) {
		CapturePending(pending);
	}
	if (pending.has_error)
		ReportPending(pending);
	return result;
}

}	 // namespace journey
