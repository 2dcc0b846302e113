// The C side of segments (src/sql/65_segment_functions.sql has the rest):
//  - journey.define_segment(name, query): SECURITY INVOKER. The query is checked as the caller who defines
//    it (one SELECT, exactly one column, runs under LIMIT 0), with the caller's search_path, which is stored;
//    then journey._define_segment(caller, name, query, search_path) stores it as the extension's owner.
//  - journey._segment_rows(name): the ids the segment's query returns now (nulls left out), run as the role
//    that defined it, with the search_path it had, in a security-restricted operation; a failure names the
//    segment and keeps the query's SQLSTATE.
#include "pg/postgres.hpp"

#include "ext/entry/as_owner.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(journey_define_segment);
PG_FUNCTION_INFO_V1(journey_segment_rows);
}

#include <cctype>
#include <string>

namespace journey {
namespace {

const Statement kStoreSegment{"SELECT journey._define_segment($1, $2, $3, $4)",
							  {SqlType::Int8, SqlType::Text, SqlType::Text, SqlType::Text},
							  {}};
const Statement kSegmentDef{"SELECT query, run_as::oid::int8, search_path FROM journey.segment_defs WHERE name = $1",
							{SqlType::Text},
							{SqlType::Text, SqlType::Int8, SqlType::Text}};

std::string
SegmentLabel(const std::string &name)
{
	return "segment \"" + name + "\"";
}

// A caught error's new message, in its memory (Postgres calls only: inside PgCall).
__attribute__((noinline)) void
SetMessage(ErrorData *edata, const char *message)
{
	MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(edata));
	edata->message = pstrdup(message);
	edata->cursorpos = 0;  // a position in the wrapping statement, not in the segment's query
	MemoryContextSwitchTo(old);
}

// Runs work(); a Postgres error it raises gets "segment "NAME": " before its message, its SQLSTATE kept.
template <typename F>
void
NamingTheSegment(const std::string &name, F &&work)
{
	ErrorData *edata = nullptr;
	try {
		work();
	} catch (PgError &e) {
		edata = e.Release();
	}
	if (edata == nullptr)
		return;
	const std::string message = SegmentLabel(name) + ": " + (edata->message ? edata->message : "error");
	PgCall([&] { SetMessage(edata, message.c_str()); });
	throw PgError(edata);
}

// Puts the text of each non-null value of the query's one column into the SRF's tuplestore (Postgres
// calls only: run inside PgCall).
__attribute__((noinline)) void
FillFromQuery(ReturnSetInfo *rsinfo, const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	Portal portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, true, 0);
	for (;;) {
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		TupleDesc desc = SPI_tuptable->tupdesc;
		if (desc->natts != 1)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("the query must return exactly one column of user ids, not %d", desc->natts)));
		const Oid type = SPI_gettypeid(desc, 1);
		const bool is_text = type == TEXTOID || type == VARCHAROID;	 // the same bytes as text
		for (uint64 i = 0; i < SPI_processed; i++) {
			HeapTuple tuple = SPI_tuptable->vals[i];
			bool isnull = false;
			Datum value = SPI_getbinval(tuple, desc, 1, &isnull);
			if (isnull)
				continue;
			Datum text = is_text ? value : CStringGetTextDatum(SPI_getvalue(tuple, desc, 1));
			bool nulls[1] = {false};
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &text, nulls);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

// The number of columns of a statement's result, run once (Postgres calls only: inside PgCall).
__attribute__((noinline)) int
ResultColumns(const char *sql)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	SPI_execute(sql, true, 0);
	const int n = SPI_tuptable != nullptr ? SPI_tuptable->tupdesc->natts : 0;
	SPI_finish();
	return n;
}

// Whether the text is exactly one SELECT statement (Postgres calls only: inside PgCall).
__attribute__((noinline)) bool
IsOneSelect(const char *query)
{
	List *statements = raw_parser(query, RAW_PARSE_DEFAULT);
	if (list_length(statements) != 1)
		return false;
	RawStmt *raw = (RawStmt *)linitial(statements);
	return raw->stmt != nullptr && reinterpret_cast<const ::Node *>(raw->stmt)->type == T_SelectStmt;
}

// The statement that runs a segment's query (checked to be one SELECT): its rows, whatever the columns.
std::string
WrappedQuery(const std::string &query, const char *limit)
{
	// The query on lines of its own: a trailing "-- comment" ends before the closing parenthesis.
	return std::string("SELECT * FROM (\n") + query + "\n) AS segment_query" + limit;
}

// The query must be one SELECT (a VALUES, a WITH ... SELECT): never several statements, never a command.
void
CheckOneSelect(const std::string &name, const std::string &query)
{
	bool one_select = false;
	NamingTheSegment(name, [&] {
		one_select = PgCall([&] { return IsOneSelect(query.c_str()); });
	});
	if (!one_select)
		throw UserError("22023", SegmentLabel(name) + ": the query must be one SELECT returning one column of user ids");
}

}	 // namespace
}	 // namespace journey

Datum
journey_define_segment(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		if (PG_ARGISNULL(0))
			throw UserError("22004", "a segment's name must not be null");
		const std::string name = TextArg(fcinfo, 0);
		const Oid caller = GetUserId();
		std::string query;
		const bool has_query = !PG_ARGISNULL(1);
		if (has_query) {
			query = TextArg(fcinfo, 1);
			while (!query.empty() && (std::isspace(static_cast<unsigned char>(query.back())) || query.back() == ';'))
				query.pop_back();
			CheckOneSelect(name, query);
			// Runs under LIMIT 0 as the caller, with the caller's path: it parses, its names resolve, the caller
			// may read what it reads; and it returns exactly one column.
			int columns = 0;
			NamingTheSegment(name, [&] {
				const std::string sql = WrappedQuery(query, " LIMIT 0");
				columns = PgCall([&] { return ResultColumns(sql.c_str()); });
			});
			if (columns != 1)
				throw UserError("22023", SegmentLabel(name) + ": the query must return exactly one column of user ids, not " +
											 std::to_string(columns));
		}
		const char *path = GetConfigOption("search_path", false, false);
		const std::string search_path = path != nullptr ? path : "";
		AsOwner as_owner;
		SpiSession spi;
		spi.Exec(kStoreSegment, {SqlValue::Int(caller), SqlValue::Text(name),
								 has_query ? SqlValue::Text(query) : SqlValue::Null(), SqlValue::Text(search_path)});
		PG_RETURN_VOID();
	});
}

Datum
journey_segment_rows(PG_FUNCTION_ARGS)
{
	return journey::InvokeCpp([&]() -> Datum {
		using namespace journey;
		const std::string name = TextArg(fcinfo, 0);
		std::string query, search_path;
		Oid run_as = InvalidOid;
		{
			SpiSession spi;
			std::vector<SqlRow> rows = spi.Run(kSegmentDef, {SqlValue::Text(name)});
			if (rows.empty())
				throw UserError("42704", SegmentLabel(name) + " does not exist");
			if (rows[0][0].null)
				throw UserError("55000", SegmentLabel(name) + " is static: its members change only by "
															  "journey.add_to_segment and journey.remove_from_segment");
			query = rows[0][0].s;
			run_as = static_cast<Oid>(rows[0][1].i);
			search_path = rows[0][2].s;
		}
		// The role that defined it must still be a journey_admin (a role that lost the right to define
		// segments no longer runs SQL through one).
		const bool may = PgCall([&] {
			Oid admin = get_role_oid("journey_admin", true);
			return OidIsValid(admin) && SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(run_as)) &&
				   has_privs_of_role(run_as, admin);
		});
		if (!may)
			throw UserError("42501", SegmentLabel(name) + ": the role that defined it no longer exists or is no longer a journey_admin",
							"", "define the segment again as a member of journey_admin");
		// One text column: the executor's expected descriptor (called in FROM, as journey._refresh_diff does).
		PgCall([&] { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
		const std::string sql = WrappedQuery(query, "");
		NamingTheSegment(name, [&] {
			AsRole as_definer(run_as, AsRole::Trust::Restricted);
			PinnedSearchPath path(search_path.c_str());
			PgCall([&] { FillFromQuery((ReturnSetInfo *)fcinfo->resultinfo, sql.c_str()); });
		});
		return (Datum)0;
	});
}
