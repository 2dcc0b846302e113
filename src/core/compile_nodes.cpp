// Nodes: the kinds, wait, wait_for, if, send, exit. The other kinds are in compile_*_nodes.cpp.
#include "compiler.hpp"

namespace journey::detail {

void
Compiler::Nodes(const Json &value)
{
	if (!value.is_object()) {
		Error("nodes", "expected an object (node id -> node)");
		return;
	}
	if (value.empty()) {
		Error("nodes", "expected at least one node");
		return;
	}
	for (const auto &[id, node_value] : value.items()) {
		const std::string path = JoinPath("nodes", id);
		if (!IsValidNodeId(id))
			Error(path, "invalid node id " + Quote(id) + ": expected 1-63 letters, digits, _, -, ? or !");
		CompileNode(graph_.nodes[graph_.FindNode(id)], node_value, path);
	}
}

void
Compiler::CompileNode(Node &node, const Json &value, const std::string &path)
{
	if (!ExpectObject(value, path, "a node")) {
		edges_complete_ = false;
		return;
	}
	const std::optional<std::string> kind =
		KindKey(value, path, "node",
				{"wait", "wait_until", "wait_for", "window", "if", "switch", "split", "parallel", "send", "update", "call",
				 "exit"},
				{});
	if (!kind || Refused(JoinPath(path, *kind), *kind)) {
		edges_complete_ = false;
		return;
	}
	if (*kind == "wait") {
		CheckKeys(value, path, {"wait", "next"});
		node.kind = NodeKind::Wait;
		if (std::optional<Interval> duration = Duration(value["wait"], JoinPath(path, "wait"), DurationRule::NonNegative))
			node.duration = *duration;
		else
			node.duration = Interval{0, 0, 1};	// already reported: keep it from also reading as a zero wait in loops
		node.next = Target(value, "next", path);
	} else if (*kind == "wait_until") {
		WaitUntilNode(node, value, path);
	} else if (*kind == "wait_for") {
		WaitForNode(node, value, path);
	} else if (*kind == "window") {
		WindowNode(node, value, path);
	} else if (*kind == "switch") {
		SwitchNode(node, value, path);
	} else if (*kind == "split") {
		SplitNode(node, value, path);
	} else if (*kind == "parallel") {
		ParallelNode(node, value, path);
	} else if (*kind == "update") {
		UpdateNode(node, value, path);
	} else if (*kind == "call") {
		CallNode(node, value, path);
	} else if (*kind == "if") {
		CheckKeys(value, path, {"if", "then", "else"});
		node.kind = NodeKind::If;
		node.cond = Condition(value["if"], JoinPath(path, "if"), CondPlace::Plain);
		node.next = Target(value, "then", path);
		node.alt = Target(value, "else", path);
	} else if (*kind == "send") {
		SendNode(node, value, path);
	} else {
		CheckKeys(value, path, {"exit"});
		node.kind = NodeKind::Exit;
		if (std::optional<std::string> reason = Name(value["exit"], JoinPath(path, "exit")))
			node.reason = std::move(*reason);
	}
}

void
Compiler::WaitForNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"wait_for", "timeout", "on_event", "on_timeout"});
	node.kind = NodeKind::WaitFor;
	const std::string awaited_path = JoinPath(path, "wait_for");
	const Json &awaited = value["wait_for"];
	if (ExpectObject(awaited, awaited_path, "{\"event\": NAME, \"where\": CONDITION} or {\"segment\": SEGMENT}")) {
		if (awaited.contains("segment")) {
			// Membership: at once when the user is a member on reaching the node, else at the event of the
			// refresh (or add_to_segment) that adds them.
			CheckKeys(awaited, awaited_path, {"segment"});
			if (std::optional<std::string> segment = Segment(awaited["segment"], JoinPath(awaited_path, "segment"))) {
				node.event = SegmentEventName(true, *segment);
				node.segment = std::move(*segment);
			}
		} else {
			CheckKeys(awaited, awaited_path, {"event", "where"});
			if (const Json *event = Required(awaited, "event", awaited_path))
				if (std::optional<std::string> name = Name(*event, JoinPath(awaited_path, "event")))
					node.event = std::move(*name);
			if (const Json *where = Optional(awaited, "where"))
				node.cond = Condition(*where, JoinPath(awaited_path, "where"), CondPlace::Where);
		}
	}
	if (const Json *timeout = Required(value, "timeout", path))
		if (std::optional<Interval> duration = Duration(*timeout, JoinPath(path, "timeout"), DurationRule::Positive))
			node.duration = *duration;
	node.next = Target(value, "on_event", path);
	node.alt = Target(value, "on_timeout", path);
}

void
Compiler::SendNode(Node &node, const Json &value, const std::string &path)
{
	CheckKeys(value, path, {"send", "next", "ignore_caps"});
	node.kind = NodeKind::Send;
	node.next = Target(value, "next", path);
	const std::string send_path = JoinPath(path, "send");
	const Json &send = value["send"];
	if (!ExpectObject(send, send_path, "{\"channel\": C, \"template\": T, \"data\": {..}, \"to\": ADDRESS}"))
		return;
	CheckKeys(send, send_path, {"channel", "template", "data", "to", "topic", "ignore_caps"});
	SendSpec &spec = node.send;
	// "ignore_caps": true on the node (SPEC §6) or in its send: a transactional message.
	for (const auto &[object, object_path] : {std::pair{&value, path}, std::pair{&send, send_path}})
		if (const Json *ignore = Optional(*object, "ignore_caps")) {
			if (ignore->is_boolean())
				spec.ignore_caps = spec.ignore_caps || ignore->get<bool>();
			else
				Error(JoinPath(object_path, "ignore_caps"), "expected true or false");
		}
	if (const Json *channel = Required(send, "channel", send_path))
		if (std::optional<std::string> name = Channel(*channel, JoinPath(send_path, "channel")))
			spec.channel = std::move(*name);
	if (const Json *template_name = Required(send, "template", send_path))
		if (std::optional<std::string> name = Name(*template_name, JoinPath(send_path, "template")))
			spec.template_name = std::move(*name);
	if (const Json *data = Optional(send, "data")) {
		if (!data->is_object()) {
			Error(JoinPath(send_path, "data"), "expected an object");
		} else {
			Template(*data, JoinPath(send_path, "data"));
			spec.data = *data;
		}
	}
	if (const Json *to = Optional(send, "to")) {
		if (!to->is_string()) {
			Error(JoinPath(send_path, "to"), "expected a string (an address or a template)");
		} else {
			Template(*to, JoinPath(send_path, "to"));
			spec.to = to->get<std::string>();
		}
	}
	if (const Json *topic = Optional(send, "topic")) {
		const std::string topic_path = JoinPath(send_path, "topic");
		if (std::optional<std::string> name = Name(*topic, topic_path))
			if (Declared(options_.topics, *name, topic_path, "topic", "journey.add_topic declares one"))
				spec.topic = std::move(*name);
	}
}

NodeId
Compiler::Target(const Json &object, std::string_view key, const std::string &path)
{
	const Json *value = Required(object, key, path);
	if (value == nullptr) {
		edges_complete_ = false;
		return kNoNode;
	}
	return TargetValue(*value, JoinPath(path, key));
}

NodeId
Compiler::TargetValue(const Json &value, const std::string &path)
{
	if (!value.is_string()) {
		Error(path, "expected a node id (a string)");
		edges_complete_ = false;
		return kNoNode;
	}
	const NodeId target = graph_.FindNode(value.get<std::string>());
	if (target == kNoNode) {
		Error(path, "unknown node " + Quote(value.get<std::string>()));
		edges_complete_ = false;
	}
	return target;
}

}	 // namespace journey::detail
