#include "pg/error_kind.hpp"

#include "pg/guard.hpp"

#include <new>

namespace journey {

ErrorKind
KindOfSqlState(int sqlerrcode) noexcept
{
	if (sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE || sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED)
		return ErrorKind::Transient;
	const int category = ERRCODE_TO_CATEGORY(sqlerrcode);
	if (category == ERRCODE_OPERATOR_INTERVENTION ||   // 57: cancel, statement_timeout, shutdown
		category == ERRCODE_INSUFFICIENT_RESOURCES ||  // 53: out of memory, disk full, too many connections
		category == ERRCODE_SYSTEM_ERROR ||			   // 58: I/O
		sqlerrcode == ERRCODE_DATA_CORRUPTED || sqlerrcode == ERRCODE_INDEX_CORRUPTED ||
		sqlerrcode == ERRCODE_IN_FAILED_SQL_TRANSACTION || sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
		return ErrorKind::Interrupt;
	return ErrorKind::Step;
}

ErrorKind
CurrentErrorKind() noexcept
{
	try {
		throw;
	} catch (const PgError &e) {
		return KindOfSqlState(e.SqlState());
	} catch (const std::bad_alloc &) {
		return ErrorKind::Interrupt;
	} catch (...) {
		return ErrorKind::Step;
	}
}

std::string
CurrentErrorMessage()
{
	try {
		throw;
	} catch (const std::exception &e) {
		return e.what();
	} catch (...) {
		return "unknown error";
	}
}

}	 // namespace journey
