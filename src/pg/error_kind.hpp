// Errors are classified before they are caught (DESIGN "Running as the owner"): a step swallows only the
// errors that belong to it.
#pragma once
#include "pg/postgres.hpp"

#include <string>

namespace journey {

enum class ErrorKind {
	// Query cancel, statement_timeout, termination, out of memory or other resources, I/O and corruption:
	// never swallowed, never marks anything failed; re-raised at once (the interrupted steps stay due).
	Interrupt,
	// Deadlock and serialization failure: marks nothing failed; the work is tried again later (a due
	// instance stays due) or the error reaches the caller.
	Transient,
	// Belongs to the step: its call raised, its data is wrong, a value cannot be stored. The instance is
	// marked failed, keeping what it had.
	Step,
};

// The kind of a SQLSTATE (as MAKE_SQLSTATE encodes it).
ErrorKind KindOfSqlState(int sqlerrcode) noexcept;
// The kind of the exception being handled; call only inside a catch block.
ErrorKind CurrentErrorKind() noexcept;
// The message of the exception being handled; call only inside a catch block.
std::string CurrentErrorMessage();

// Runs work(false); when that fails with an error of a step's own, runs work(true): the same work again,
// every step isolated in a subtransaction of its own (work(false) rolled its own subtransaction back).
template <typename F>
void
RetryIsolatedOnStepError(F &&work)
{
	try {
		work(false);
		return;
	} catch (...) {
		if (CurrentErrorKind() != ErrorKind::Step)
			throw;	// a cancel, a deadlock: the caller's to see
	}
	work(true);
}

}	 // namespace journey
