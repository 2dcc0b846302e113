// Geofences: haversine distances, crossings of the edge, and geofence triggers entering on "location" events.
#include "core/evaluator.hpp"
#include "core/geo.hpp"
#include "fake_facts.hpp"
#include "journey_test_util.hpp"

#include <gtest/gtest.h>

namespace journey {
namespace {

using testing::FakeFacts;
using testing::MustCompile;

TEST(Geo, GreatCircleMeters)
{
	EXPECT_NEAR(GreatCircleMeters(48.8566, 2.3522, 51.5074, -0.1278), 343556.53, 0.5);	 // Paris - London
	EXPECT_NEAR(GreatCircleMeters(0, 0, 0, 1), 111195.08, 0.01);						 // a degree at the equator
	EXPECT_NEAR(GreatCircleMeters(0, 179.5, 0, -179.5), 111195.08, 0.01);				 // across the antimeridian
	EXPECT_NEAR(GreatCircleMeters(90, 0, -90, 0), 20015114.44, 0.01);					 // pole to pole
	EXPECT_EQ(GreatCircleMeters(10, 20, 10, 20), 0);
}

TEST(Geo, Crossing)
{
	const Geofence store{48.8566, 2.3522, 200};
	const GeoPoint inside{48.8570, 2.3525};	   // about 50 m away
	const GeoPoint outside{48.8600, 2.3522};   // about 378 m away
	EXPECT_TRUE(InsideGeofence(store, inside));
	EXPECT_FALSE(InsideGeofence(store, outside));
	EXPECT_EQ(Crossing(store, outside, inside), GeofenceCrossing::Enter);
	EXPECT_EQ(Crossing(store, inside, outside), GeofenceCrossing::Exit);
	EXPECT_EQ(Crossing(store, inside, inside), GeofenceCrossing::None);
	EXPECT_EQ(Crossing(store, outside, outside), GeofenceCrossing::None);
	EXPECT_EQ(Crossing(store, std::nullopt, inside), GeofenceCrossing::Enter);	// first sighting inside
	EXPECT_EQ(Crossing(store, std::nullopt, outside), GeofenceCrossing::None);
}

TEST(Geo, LocationOf)
{
	const std::optional<GeoPoint> point = LocationOf(Json::parse(R"({"lat": 48.85, "lon": 2, "accuracy": 5})"));
	ASSERT_TRUE(point.has_value());
	EXPECT_EQ(point->lat, 48.85);
	EXPECT_EQ(point->lon, 2);
	EXPECT_FALSE(LocationOf(Json::parse(R"({"lat": "48.85", "lon": 2})")).has_value());
	EXPECT_FALSE(LocationOf(Json::parse(R"({"lat": 91, "lon": 2})")).has_value());
	EXPECT_FALSE(LocationOf(Json::parse(R"({"lat": 1, "lon": -181})")).has_value());
	EXPECT_FALSE(LocationOf(Json::parse(R"({"lat": 1})")).has_value());
	EXPECT_FALSE(LocationOf(Json::array()).has_value());
}

TEST(Geo, GeofenceTriggersEnterOnLocationEvents)
{
	const GraphPtr graph = MustCompile(Json::parse(R"({
		"name": "store", "start": "hi",
		"trigger": [{"geofence_enter": {"lat": 48.8566, "lon": 2.3522, "radius_m": 200}},
					{"geofence_exit": {"lat": 40.0, "lon": 3.0, "radius_m": 1000}},
					{"event": "app_open"}],
		"nodes": {"hi": {"exit": "completed"}}
	})"));
	ASSERT_NE(graph, nullptr);
	EXPECT_TRUE(graph->HasGeofenceTriggers());
	EXPECT_EQ(graph->EntryEventNames(), (std::vector<std::string>{"app_open", "location"}));
	FakeFacts facts;
	const Json at_store = Json::parse(R"({"lat": 48.8570, "lon": 2.3525})");
	const GeoPoint far{48.8600, 2.3522};
	EXPECT_TRUE(EventEnters(*graph, "location", at_store, far, 0, facts));
	EXPECT_FALSE(EventEnters(*graph, "location", at_store, GeoPoint{48.8567, 2.3522}, 0, facts));	 // already inside
	EXPECT_FALSE(EventEnters(*graph, "checkin", at_store, far, 0, facts));	// only "location" events
	// Leaving the second circle.
	EXPECT_TRUE(EventEnters(*graph, "location", Json::parse(R"({"lat": 41, "lon": 3})"), GeoPoint{40, 3}, 0, facts));
	EXPECT_FALSE(EventEnters(*graph, "location", Json::parse(R"({"lat": 41, "lon": 3})"), std::nullopt, 0, facts));
	EXPECT_TRUE(EventEnters(*graph, "app_open", Json::object(), std::nullopt, 0, facts));
}

}	 // namespace
}	 // namespace journey
