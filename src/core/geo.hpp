// Geofences: great-circle distances and crossings of a circle's edge (geofence_enter / geofence_exit triggers,
// which listen to events named "location" with props "lat" and "lon").
#pragma once
#include "no_postgres.hpp"

#include "json.hpp"

#include <optional>

namespace journey {

constexpr double kEarthRadiusMeters = 6371008.8;	// the mean Earth radius (IUGG)

struct GeoPoint {
	double lat = 0;	 // degrees, -90..90
	double lon = 0;	 // degrees, -180..180
};

struct Geofence {
	double lat = 0;
	double lon = 0;
	double radius_m = 0;  // > 0
};

enum class GeofenceCrossing : uint8_t { None, Enter, Exit };

// Haversine distance in meters.
double GreatCircleMeters(double lat1, double lon1, double lat2, double lon2);

// Inside means at most radius_m from the centre.
bool InsideGeofence(const Geofence &fence, const GeoPoint &point);

// Did moving from `previous` to `current` cross the edge? With no previous position known, a first position
// inside counts as entering (and never as exiting).
GeofenceCrossing Crossing(const Geofence &fence, const std::optional<GeoPoint> &previous, const GeoPoint &current);

// The position in a location event's props: numbers "lat" (-90..90) and "lon" (-180..180); nullopt otherwise.
std::optional<GeoPoint> LocationOf(const Json &props);

}	 // namespace journey
