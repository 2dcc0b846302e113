#include "pg/guard.hpp"

#include <cstring>

extern "C" {
#include "access/xact.h"
}

namespace journey {

const char *
PgError::what() const noexcept
{
	return edata_ && edata_->message ? edata_->message : "postgres error";
}

int
PgError::SqlState() const noexcept
{
	return edata_ ? edata_->sqlerrcode : 0;
}

void
ThrowCaughtPgError(MemoryContext caller_context)
{
	// Called right after PG_CATCH: the error is still in ErrorContext. Copy it out, clear the error state.
	// The copy lives in the top transaction's memory, not the caller's: the exception may be caught (or
	// reported) after an SPI session or a subtransaction whose memory was current here has ended.
	MemoryContextSwitchTo(IsTransactionState() ? TopTransactionContext : caller_context);
	ErrorData *edata = CopyErrorData();
	FlushErrorState();
	MemoryContextSwitchTo(caller_context);
	throw PgError(edata);
}

PgError::~PgError()
{
	if (edata_)
		FreeErrorData(edata_);	// handled here (not reported): freed now rather than at transaction end
}

static void
CopyText(char *dst, size_t size, const char *src) noexcept
{
	if (!src)
		return;
	std::strncpy(dst, src, size - 1);
	dst[size - 1] = '\0';
	if (std::strlen(src) >= size - 1) {	 // cut: not inside a UTF-8 sequence
		size_t end = size - 1;
		while (end > 0 && (static_cast<unsigned char>(src[end]) & 0xC0) == 0x80)
			--end;
		dst[end] = '\0';
	}
}

void
CapturePending(PendingError &pending) noexcept
{
	pending.has_error = true;
	try {
		throw;
	} catch (PgError &e) {
		pending.pg_error = e.Release();
	} catch (UserError &e) {
		CopyText(pending.sqlstate, sizeof pending.sqlstate, e.SqlState());
		CopyText(pending.message, sizeof pending.message, e.what());
		CopyText(pending.detail, sizeof pending.detail, e.Detail().c_str());
		CopyText(pending.hint, sizeof pending.hint, e.Hint().c_str());
	} catch (std::bad_alloc &) {
		CopyText(pending.sqlstate, sizeof pending.sqlstate, "53200");
		CopyText(pending.message, sizeof pending.message, "out of memory in pg_journey");
	} catch (std::exception &e) {
		CopyText(pending.sqlstate, sizeof pending.sqlstate, "XX000");
		CopyText(pending.message, sizeof pending.message, e.what());
	} catch (...) {
		CopyText(pending.sqlstate, sizeof pending.sqlstate, "XX000");
		CopyText(pending.message, sizeof pending.message, "unknown C++ exception in pg_journey");
	}
}

void
ReportPending(PendingError &pending)
{
	if (pending.pg_error)
		ReThrowError(pending.pg_error);
	const char *s = pending.sqlstate;
	ereport(ERROR, (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])), errmsg("%s", pending.message),
					pending.detail[0] ? errdetail("%s", pending.detail) : 0,
					pending.hint[0] ? errhint("%s", pending.hint) : 0));
	pg_unreachable();
}

}	 // namespace journey
