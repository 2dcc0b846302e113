// The JSON library of the core.
#pragma once
#include "no_postgres.hpp"

#include <nlohmann/json.hpp>

namespace journey {
using Json = nlohmann::json;
}
