// Internal helpers of the MQTT bridge: topic filter validation and coverage, template checks.
// The public matching/expansion functions live in mqtt_bridge.h. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mqtt/mqtt_bridge.h"

namespace lj::mqtt::internal {

// A subscription filter: non-empty, "+" and "#" only as whole levels, "#" only last, no NUL.
bool ValidTopicFilter(std::string_view filter);
// A topic one may publish to: non-empty, no wildcards, no NUL.
bool ValidPublishTopic(std::string_view topic);
// True when every topic matched by `inner` is also matched by `outer`.
bool FilterCovers(std::string_view outer, std::string_view inner);
// The filters to subscribe to: distinct mapping filters, minus those another one covers (so the
// broker does not deliver a message twice), in mapping order.
std::vector<std::string> SubscriptionFilters(const std::vector<Mapping>& mappings);
// Checks a template against the filter it is used with: every {N} must have N >= 1 and, unless
// the filter ends in "#", N <= the number of filter levels.
Status ValidateTemplate(std::string_view tmpl, std::string_view filter, std::string_view what);

}  // namespace lj::mqtt::internal
