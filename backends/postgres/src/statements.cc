#include "backends/postgres/src/statements.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace kivi::postgres_internal {
namespace {

constexpr size_t kMaxTableName = 50;

struct Definition {
  Statement statement;
  const char* name;
  const char* types;  // The parameter types, as in PREPARE name(types).
  // The statement, with {T} the quoted table, {S} its version sequence,
  // {LIVE} the condition of a live row, {EXPIRED} that of an expired one
  // (as `t`), {EXPIRYn} the expiry of a TTL of $n microseconds (0: never),
  // {ISNUM}/{ISNUM_T} whether value/t.value is a decimal below 2^64,
  // {NEXT}/{NEXT_T} that value after adding $2 under the Increment
  // contract, {LOCKID} the advisory lock number of key $1.
  const char* sql;
};

// Increments wrap modulo 2^64; decrements stop at 0.
constexpr Definition kDefinitions[] = {
    {Statement::kGet, "kivi_get", "bytea",
     "SELECT value FROM {T} WHERE key = $1 AND {LIVE}"},
    {Statement::kGetVersioned, "kivi_getv", "bytea",
     "SELECT value, version FROM {T} WHERE key = $1 AND {LIVE}"},
    {Statement::kSet, "kivi_set", "bytea, bytea, int8",
     "INSERT INTO {T} AS t (key, value, version, expires_at) "
     "VALUES ($1, $2, nextval('{S}'), {EXPIRY3}) ON CONFLICT (key) DO UPDATE "
     "SET value = excluded.value, version = excluded.version, "
     "expires_at = excluded.expires_at"},
    {Statement::kDelete, "kivi_del", "bytea", "DELETE FROM {T} WHERE key = $1"},
    // An expired row not yet swept counts as absent.
    {Statement::kAdd, "kivi_add", "bytea, bytea, int8",
     "INSERT INTO {T} AS t (key, value, version, expires_at) "
     "VALUES ($1, $2, nextval('{S}'), {EXPIRY3}) ON CONFLICT (key) DO UPDATE "
     "SET value = excluded.value, version = excluded.version, "
     "expires_at = excluded.expires_at WHERE {EXPIRED}"},
    {Statement::kReplace, "kivi_replace", "bytea, bytea, int8",
     "UPDATE {T} SET value = $2, version = nextval('{S}'), expires_at = "
     "{EXPIRY3} "
     "WHERE key = $1 AND {LIVE}"},
    // Columns: whether the key is live, whether the write happened.
    {Statement::kCompareAndSet, "kivi_cas", "bytea, bytea, int8, int8",
     "WITH cur AS (SELECT 1 FROM {T} WHERE key = $1 AND {LIVE}), "
     "upd AS (UPDATE {T} SET value = $2, version = nextval('{S}'), "
     "expires_at = {EXPIRY3} WHERE key = $1 AND {LIVE} AND version = $4 "
     "RETURNING 1) "
     "SELECT EXISTS (SELECT 1 FROM cur), EXISTS (SELECT 1 FROM upd)"},
    {Statement::kTouch, "kivi_touch", "bytea, int8",
     "UPDATE {T} SET expires_at = {EXPIRY2} WHERE key = $1 AND {LIVE}"},
    {Statement::kGetAndTouch, "kivi_gat", "bytea, int8",
     "UPDATE {T} SET expires_at = {EXPIRY2} WHERE key = $1 AND {LIVE} "
     "RETURNING value"},
    // Columns: the live value's length (NULL: absent), whether it was
    // extended ($3 is the largest allowed result).
    {Statement::kAppend, "kivi_append", "bytea, bytea, int8",
     "WITH cur AS (SELECT octet_length(value)::int8 AS n FROM {T} "
     "WHERE key = $1 AND {LIVE}), "
     "upd AS (UPDATE {T} SET value = value || $2, version = nextval('{S}') "
     "WHERE key = $1 AND {LIVE} AND octet_length(value) + octet_length($2) <= "
     "$3 "
     "RETURNING 1) "
     "SELECT (SELECT n FROM cur), EXISTS (SELECT 1 FROM upd)"},
    {Statement::kPrepend, "kivi_prepend", "bytea, bytea, int8",
     "WITH cur AS (SELECT octet_length(value)::int8 AS n FROM {T} "
     "WHERE key = $1 AND {LIVE}), "
     "upd AS (UPDATE {T} SET value = $2 || value, version = nextval('{S}') "
     "WHERE key = $1 AND {LIVE} AND octet_length(value) + octet_length($2) <= "
     "$3 "
     "RETURNING 1) "
     "SELECT (SELECT n FROM cur), EXISTS (SELECT 1 FROM upd)"},
    // $2 delta, $3 initial value (decimal text), $4 TTL of a created row.
    // No row returned: the live value is not a number.
    {Statement::kIncrementOrCreate, "kivi_incr_create",
     "bytea, int8, bytea, int8",
     "INSERT INTO {T} AS t (key, value, version, expires_at) "
     "VALUES ($1, $3, nextval('{S}'), {EXPIRY4}) ON CONFLICT (key) DO UPDATE "
     "SET value = CASE WHEN {EXPIRED} THEN excluded.value "
     "ELSE {NEXT_T} END, version = excluded.version, "
     "expires_at = CASE WHEN {EXPIRED} THEN excluded.expires_at "
     "ELSE t.expires_at END "
     "WHERE {EXPIRED} OR {ISNUM_T} RETURNING value"},
    // Columns: whether the key is live, the new value (NULL: not a number).
    {Statement::kIncrementExisting, "kivi_incr", "bytea, int8",
     "WITH cur AS (SELECT 1 FROM {T} WHERE key = $1 AND {LIVE}), "
     "upd AS (UPDATE {T} SET value = {NEXT}, version = nextval('{S}') "
     "WHERE key = $1 AND {LIVE} AND {ISNUM} RETURNING value) "
     "SELECT EXISTS (SELECT 1 FROM cur), (SELECT value FROM upd)"},
    // bytea compares bytewise, so this is the prefix's key range.
    {Statement::kListRange, "kivi_list", "bytea, bytea",
     "SELECT key FROM {T} WHERE key >= $1 AND key < $2 AND {LIVE}"},
    {Statement::kListFrom, "kivi_list_from", "bytea",
     "SELECT key FROM {T} WHERE key >= $1 AND {LIVE}"},
    {Statement::kBatchGet, "kivi_bget", "bytea[]",
     "SELECT key, value FROM {T} WHERE key = ANY ($1) AND {LIVE}"},
    // The keys are distinct (the client removes duplicates), as ON CONFLICT
    // requires.
    {Statement::kBatchSet, "kivi_bset", "bytea[], bytea[], int8",
     "INSERT INTO {T} AS t (key, value, version, expires_at) "
     "SELECT k, v, nextval('{S}'), {EXPIRY3} FROM unnest($1, $2) AS u (k, v) "
     "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
     "version = excluded.version, expires_at = excluded.expires_at"},
    {Statement::kBatchDelete, "kivi_bdel", "bytea[]",
     "DELETE FROM {T} WHERE key = ANY ($1)"},
    // The lock's number: 64 bits of md5(table name || key), the same in
    // every process.
    {Statement::kLock, "kivi_lock", "bytea",
     "SELECT pg_advisory_lock({LOCKID})"},
    {Statement::kUnlock, "kivi_unlock", "bytea",
     "SELECT pg_advisory_unlock({LOCKID})"},
    // SKIP LOCKED: concurrent sweepers (other processes) take other rows.
    {Statement::kSweep, "kivi_sweep", "int8",
     "DELETE FROM {T} WHERE key IN (SELECT key FROM {T} WHERE expires_at <= "
     "now() "
     "LIMIT $1 FOR UPDATE SKIP LOCKED)"},
    {Statement::kFlushNow, "kivi_flush", "", "DELETE FROM {T}"},
    {Statement::kFlushLater, "kivi_flush_later", "int8",
     "UPDATE {T} SET expires_at = {EXPIRY1} WHERE expires_at IS NULL OR "
     "expires_at > now() + $1 * interval '1 microsecond'"},
    // Columns: estimated rows, bytes of table + indexes + TOAST.
    {Statement::kTableStats, "kivi_stats", "",
     "SELECT c.reltuples::int8, pg_total_relation_size(c.oid) FROM pg_class c "
     "WHERE c.oid = '{T}'::regclass"},
    {Statement::kPing, "kivi_ping", "", "SELECT 1"},
};
static_assert(sizeof(kDefinitions) / sizeof(kDefinitions[0]) ==
              kStatementCount);

std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", name, "\"");
}

// A counter is read as memcached reads one (strtoull, then its checks):
// leading white space, a sign, digits, then the end, white space or a NUL.
// encode(v, 'escape') keeps those bytes as they are but for the NUL, which
// it writes as \000 (and a backslash as \\, so no stored text passes for
// one). kTrailing is the regular expression of what may follow the digits.
constexpr absl::string_view kCounterHead = "^[\\t\\n\\v\\f\\r ]*";
constexpr absl::string_view kTrailing = "([\\t\\n\\v\\f\\r ]|\\\\000|$)";

// The sign and digits of bytea `v` (only where IsNum holds).
std::string SignedDigits(absl::string_view v) {
  return absl::StrCat("substring(encode(", v, ", 'escape') from '",
                      kCounterHead, "([+-]?[0-9]+)')");
}

// The digits of `v` as a number, without the sign.
std::string Magnitude(absl::string_view v) {
  return absl::StrCat("ltrim(", SignedDigits(v), ", '+-')::numeric");
}

// True when `v` reads negative: strtoull negates modulo 2^64.
std::string Negated(absl::string_view v) {
  return absl::StrCat("(left(", SignedDigits(v), ", 1) = '-' AND ",
                      Magnitude(v), " > 0)");
}

// The numeric value of bytea `v` (only where IsNum holds).
std::string Num(absl::string_view v) {
  return absl::StrCat("(CASE WHEN ", Negated(v),
                      " THEN 18446744073709551616 - ", Magnitude(v), " ELSE ",
                      Magnitude(v), " END)");
}

// Whether `v` is a counter: its digits below 2^64 and, negated, below 2^63
// (memcached refuses a negative number, but "-0").
std::string IsNum(absl::string_view v) {
  return absl::StrCat("(CASE WHEN encode(", v, ", 'escape') ~ '", kCounterHead,
                      "[+-]?[0-9]+", kTrailing, "' THEN ", Magnitude(v),
                      " < 18446744073709551616 AND (NOT ", Negated(v),
                      " OR 18446744073709551616 - ", Magnitude(v),
                      " < 9223372036854775808) ELSE false END)");
}

// `v` plus $2 under the Increment contract, as decimal text in bytea.
std::string Next(absl::string_view v) {
  return absl::StrCat("convert_to((CASE WHEN $2 >= 0 THEN mod(", Num(v),
                      " + $2, 18446744073709551616) ELSE greatest(", Num(v),
                      " + $2, 0) END)::text, 'UTF8')");
}

std::string Expiry(int n) {
  return absl::StrCat("(CASE WHEN $", n, " = 0 THEN NULL ELSE now() + $", n,
                      " * interval '1 microsecond' END)");
}

std::string Expand(absl::string_view sql, absl::string_view table) {
  return absl::StrReplaceAll(
      sql,
      {{"{T}", Quoted(table)},
       {"{S}", Quoted(absl::StrCat(table, "_version"))},
       {"{LIVE}", "(expires_at IS NULL OR expires_at > now())"},
       {"{EXPIRED}", "(t.expires_at IS NOT NULL AND t.expires_at <= now())"},
       {"{EXPIRY1}", Expiry(1)},
       {"{EXPIRY2}", Expiry(2)},
       {"{EXPIRY3}", Expiry(3)},
       {"{EXPIRY4}", Expiry(4)},
       {"{NEXT_T}", Next("t.value")},
       {"{NEXT}", Next("value")},
       {"{ISNUM_T}", IsNum("t.value")},
       {"{ISNUM}", IsNum("value")},
       {"{LOCKID}", absl::StrCat("('x' || left(md5(convert_to('", table,
                                 "', 'UTF8') || $1), 16))::bit(64)::int8")}});
}

}  // namespace

const char* StatementName(Statement statement) {
  return kDefinitions[static_cast<int>(statement)].name;
}

absl::Status ValidateTableName(absl::string_view table) {
  bool ok = !table.empty() && table.size() <= kMaxTableName &&
            !absl::ascii_isdigit(static_cast<unsigned char>(table[0]));
  for (char c : table) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("parameter \"table\": expected 1..", kMaxTableName,
                   " letters, digits and '_' not starting with a digit, got \"",
                   table, "\""));
}

std::string SchemaSql(absl::string_view table) {
  const std::string t = Quoted(table);
  return absl::StrCat(
      "BEGIN; SELECT pg_advisory_xact_lock(", "('x' || left(md5('kivi schema ",
      table, "'), 16))::bit(64)::int8); ", "CREATE TABLE IF NOT EXISTS ", t,
      " (key bytea PRIMARY KEY, value bytea NOT NULL, version int8 NOT NULL, "
      "expires_at timestamptz); ",
      "CREATE SEQUENCE IF NOT EXISTS ", Quoted(absl::StrCat(table, "_version")),
      "; CREATE INDEX IF NOT EXISTS ",
      Quoted(absl::StrCat(table, "_expires_at")), " ON ", t,
      " (expires_at) WHERE expires_at IS NOT NULL; COMMIT;");
}

std::string SessionSetupSql(absl::string_view table,
                            int64_t statement_timeout_ms) {
  std::string sql =
      absl::StrCat("SET statement_timeout = ", statement_timeout_ms, ";");
  for (const Definition& d : kDefinitions) {
    absl::StrAppend(&sql, " PREPARE ", d.name,
                    *d.types != '\0' ? absl::StrCat("(", d.types, ")") : "",
                    " AS ", Expand(d.sql, table), ";");
  }
  return sql;
}

}  // namespace kivi::postgres_internal
