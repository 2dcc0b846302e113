// Facts about one user, answered from the built-in stores through SPI.
#pragma once
#include "pg/postgres.hpp"

#include "core/facts.hpp"
#include "pg/spi.hpp"

#include <optional>
#include <string>

namespace journey {

class PgFacts : public Facts {
public:
	PgFacts(SpiSession &spi, std::string user_id) : spi_(spi), user_id_(std::move(user_id)) {}

	int64_t CountEvents(const std::string &name, std::optional<Timestamp> from, Timestamp to,
						const PropsFilter *filter, int64_t stop_after) override;
	std::optional<Json> Attribute(const std::string &name) override;
	Contact ContactFor(const std::string &channel) override;
	std::optional<StoredTemplate> Template(const std::string &name, const std::string &channel) override;

private:
	SpiSession &spi_;
	std::string user_id_;
	std::optional<Json> attributes_;  // the profile, read once per step
};

}	 // namespace journey
