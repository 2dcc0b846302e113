#include "ext/pg_facts.hpp"

namespace journey {

namespace {

const Statement kCountEvents{
	"SELECT count(*) FROM (SELECT 1 FROM journey.events WHERE user_id = $1 AND name = $2 "
	"AND occurred_at <= $3 AND occurred_at >= coalesce($4, '-infinity') LIMIT $5) s",
	{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz, SqlType::Int8},
	{SqlType::Int8}};

const Statement kEventProps{"SELECT props FROM journey.events WHERE user_id = $1 AND name = $2 "
							"AND occurred_at <= $3 AND occurred_at >= coalesce($4, '-infinity') "
							"ORDER BY occurred_at DESC",
							{SqlType::Text, SqlType::Text, SqlType::TimestampTz, SqlType::TimestampTz},
							{SqlType::Jsonb}};

const Statement kProfile{"SELECT attributes FROM journey.profiles WHERE user_id = $1", {SqlType::Text},
						 {SqlType::Jsonb}};

const Statement kContact{"SELECT address, opted_in, bounced FROM journey.contacts WHERE user_id = $1 AND channel = $2",
						 {SqlType::Text, SqlType::Text},
						 {SqlType::Text, SqlType::Bool, SqlType::Bool}};

const Statement kTemplate{"SELECT subject, body FROM journey.templates WHERE name = $1 AND channel = $2",
						  {SqlType::Text, SqlType::Text},
						  {SqlType::Text, SqlType::Text}};

}	 // namespace

int64_t
PgFacts::CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to, const PropsFilter *filter,
					 int64_t stop_after)
{
	std::vector<SqlValue> args{SqlValue::Text(user_id_), SqlValue::Text(name), SqlValue::Timestamp(to),
							   SqlValue::OptionalTimestamp(from)};
	if (!filter) {
		args.push_back(SqlValue::Int(stop_after > 0 ? stop_after : INT64_MAX));
		return spi_.Run(kCountEvents, args)[0][0].i;
	}
	int64_t n = 0;
	for (auto &row : spi_.Run(kEventProps, args)) {
		if ((*filter)(Json::parse(row[0].s))) {
			if (++n >= stop_after && stop_after > 0)
				break;
		}
	}
	return n;
}

std::optional<Json>
PgFacts::Attribute(const std::string &name)
{
	if (!attributes_) {
		auto rows = spi_.Run(kProfile, {SqlValue::Text(user_id_)});
		attributes_ = rows.empty() || rows[0][0].null ? Json::object() : Json::parse(rows[0][0].s);
	}
	if (!attributes_->is_object())
		return std::nullopt;
	auto it = attributes_->find(name);
	if (it == attributes_->end() || it->is_null())
		return std::nullopt;
	return *it;
}

Contact
PgFacts::ContactFor(const std::string &channel)
{
	Contact c;
	auto rows = spi_.Run(kContact, {SqlValue::Text(user_id_), SqlValue::Text(channel)});
	if (rows.empty())
		return c;
	c.exists = true;
	if (!rows[0][0].null)
		c.address = rows[0][0].s;
	c.opted_in = rows[0][1].i != 0;
	c.bounced = rows[0][2].i != 0;
	return c;
}

std::optional<StoredTemplate>
PgFacts::Template(const std::string &name, const std::string &channel)
{
	auto rows = spi_.Run(kTemplate, {SqlValue::Text(name), SqlValue::Text(channel)});
	if (rows.empty())
		return std::nullopt;
	return StoredTemplate{rows[0][0].s, rows[0][1].s};
}

}	 // namespace journey
