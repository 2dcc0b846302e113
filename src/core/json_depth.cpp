// PathBeyondDepth(): how a definition's nesting is bounded before anything recurses over it.
#include "compile.hpp"
#include "compiler.hpp"

#include <vector>

namespace journey {

namespace {

// One open array or object on the walk down: where its next child is.
struct Level {
	const Json *container;
	Json::const_iterator next;
	size_t index = 0; // of `next`, in an array
};

}	 // namespace

std::optional<std::string>
PathBeyondDepth(const Json &value, int max_depth) {
	if (!value.is_structured())
		return std::nullopt;
	if (max_depth < 1)
		return std::string();
	// Depth first, in document order (object keys sorted, as nlohmann keeps them). Each level's `next` is the
	// child being walked; the stack holds at most max_depth levels: O(size of the document) time and
	// O(max_depth) memory.
	std::vector<Level> levels;
	levels.push_back({&value, value.cbegin()});
	while (!levels.empty()) {
		Level &level = levels.back();
		if (level.next == level.container->cend()) {
			levels.pop_back();
			if (!levels.empty()) {
				++levels.back().next;
				++levels.back().index;
			}
			continue;
		}
		const Json &child = *level.next;
		if (!child.is_structured()) {
			++level.next;
			++level.index;
			continue;
		}
		if (levels.size() >= static_cast<size_t>(max_depth)) {
			// child is one level too deep: its path is the key or index of the child open at each level.
			std::string path;
			for (const Level &above : levels)
				path = above.container->is_array() ? detail::IndexPath(path, above.index)
												   : detail::JoinPath(path, above.next.key());
			return path;
		}
		levels.push_back({&child, child.cbegin()}); // `level` may dangle from here on
	}
	return std::nullopt;
}

}	 // namespace journey
