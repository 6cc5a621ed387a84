#include "support/vectors.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "wirekit/common/hex.hpp"

namespace wirekit::test {

std::vector<json> load_vectors(const std::string& relative_path) {
  const std::string path = std::string(WIREKIT_VECTORS_DIR) + "/" + relative_path;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open vector file " + path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    lines.push_back(json::parse(line));
  }
  if (lines.empty()) throw std::runtime_error("no vectors in " + path);
  return lines;
}

std::vector<std::string> vector_files(const std::string& relative_folder) {
  const std::filesystem::path dir = std::filesystem::path(WIREKIT_VECTORS_DIR) / relative_folder;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file())
      files.push_back(relative_folder + "/" + entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error("no vector files in " + dir.string());
  return files;
}

bytes hex_bytes(const std::string& hex) {
  auto b = from_hex(hex);
  if (!b) throw std::runtime_error("bad hex in vector: " + hex.substr(0, 40));
  return *b;
}

}  // namespace wirekit::test
