// Great-circle distances and geofence crossings.
#include "geo.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace journey {

namespace {

double
Radians(double degrees)
{
	return degrees * std::numbers::pi / 180.0;
}

}	 // namespace

double
GreatCircleMeters(double lat1, double lon1, double lat2, double lon2)
{
	const double dlat = Radians(lat2 - lat1);
	const double dlon = Radians(lon2 - lon1);
	const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
					 std::cos(Radians(lat1)) * std::cos(Radians(lat2)) * std::sin(dlon / 2) * std::sin(dlon / 2);
	return 2 * kEarthRadiusMeters * std::asin(std::sqrt(std::min(1.0, a)));
}

bool
InsideGeofence(const Geofence &fence, const GeoPoint &point)
{
	return GreatCircleMeters(fence.lat, fence.lon, point.lat, point.lon) <= fence.radius_m;
}

GeofenceCrossing
Crossing(const Geofence &fence, const std::optional<GeoPoint> &previous, const GeoPoint &current)
{
	const bool now_inside = InsideGeofence(fence, current);
	const bool was_inside = previous && InsideGeofence(fence, *previous);
	if (now_inside && !was_inside)
		return GeofenceCrossing::Enter;
	if (!now_inside && was_inside)
		return GeofenceCrossing::Exit;
	return GeofenceCrossing::None;
}

std::optional<GeoPoint>
LocationOf(const Json &props)
{
	if (!props.is_object())
		return std::nullopt;
	const auto lat = props.find("lat");
	const auto lon = props.find("lon");
	if (lat == props.end() || lon == props.end() || !lat->is_number() || !lon->is_number())
		return std::nullopt;
	const GeoPoint point{lat->get<double>(), lon->get<double>()};
	if (!(point.lat >= -90 && point.lat <= 90 && point.lon >= -180 && point.lon <= 180))
		return std::nullopt;
	return point;
}

}	 // namespace journey
