// Loads the interoperability vectors from ../shared/vectors (relative to the repo root).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "wirekit/common/bytes.hpp"

namespace wirekit::test {

using json = nlohmann::ordered_json;

// Every line of vectors/RELATIVE_PATH as JSON, in file order. Throws if the file is
// missing or empty, so a vector test can never pass by reading nothing.
std::vector<json> load_vectors(const std::string& relative_path);

// All files of one vectors subfolder, sorted by name.
std::vector<std::string> vector_files(const std::string& relative_folder);

// Hex string → bytes; throws on bad hex (the vectors are trusted input).
bytes hex_bytes(const std::string& hex);

}  // namespace wirekit::test
