#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "wirekit/memo/key_file.hpp"

using namespace wirekit::memo;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "wirekit-keys-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()));
    path = tmpl;
  }
  ~temp_dir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    const auto p = (path / name).string();
    std::ofstream(p) << content;
    return p;
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const key_file_error& e) {
    return e.what();
  }
  return "";
}

// hio's test key (spec §8): seed 9b46…a410, verkey BG-R9L4k…sih2.
const std::string hio_seed = "AJtGCvHCTOpCQzr36dcxvNJ7f4GuNZzK-dusQGAnDqQQ";
const std::string hio_vid = "BG-R9L4kTXULe33Tqidn0c-W-x6xU4lIXCdhZQYrsih2";

}  // namespace

TEST_CASE("creates a 0600 key file whose vid it returns", "[memo][keys]") {
  temp_dir dir;
  const auto path = (dir.path / "k.key").string();
  const auto vid = create_key_file(path, 'D');
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(vid.size() == 44);
  CHECK(vid[0] == 'D');
  const auto id = load_key_file(path);
  CHECK(id.vid == vid);
  CHECK(vid_text('D', id.key.public_key()) == vid);
  CHECK_THAT(error_of([&] { create_key_file(path, 'B'); }), Catch::Contains("File exists"));
}

TEST_CASE("loads a key file with and without its vid line", "[memo][keys]") {
  temp_dir dir;
  CHECK(load_key_file(dir.file("a", hio_seed + "\n")).vid == hio_vid);
  CHECK(load_key_file(dir.file("b", hio_seed + "\n" + hio_vid + "\n")).vid == hio_vid);
  std::string d_vid = hio_vid;
  d_vid[0] = 'D';
  CHECK(load_key_file(dir.file("c", hio_seed + "\n" + d_vid + "\n\n")).vid == d_vid);
}

TEST_CASE("key file errors name the file and the line", "[memo][keys]") {
  temp_dir dir;
  const auto bad_seed = dir.file("bad_seed", "Anot-a-seed\n");
  CHECK_THAT(error_of([&] { load_key_file(bad_seed); }), Catch::StartsWith(bad_seed + ":1: "));
  const auto foreign =
      dir.file("foreign", hio_seed + "\nBGORBFFJe5Zj4T1FQHpRFSe41hQuq8HULAMWyc9C07ni\n");
  CHECK_THAT(error_of([&] { load_key_file(foreign); }), Catch::StartsWith(foreign + ":2: "));
  const auto extra = dir.file("extra", hio_seed + "\n" + hio_vid + "\nmore\n");
  CHECK_THAT(error_of([&] { load_key_file(extra); }), Catch::StartsWith(extra + ":3: "));
  const auto empty = dir.file("empty", "");
  CHECK_THAT(error_of([&] { load_key_file(empty); }), Catch::StartsWith(empty + ":1: "));
  CHECK_THAT(error_of([&] { load_key_file((dir.path / "none").string()); }),
             Catch::Contains("No such file"));
}

TEST_CASE("trust files map vids to verkeys, with comments", "[memo][keys]") {
  temp_dir dir;
  const std::string d_vid = "DGORBFFJe5Zj4T1FQHpRFSe41hQuq8HULAMWyc9C07ni";
  const std::string verkey = "BGORBFFJe5Zj4T1FQHpRFSe41hQuq8HULAMWyc9C07ni";
  const auto trust =
      load_trust_file(dir.file("t", "# people\n\n" + d_vid + "  " + verkey + "   # dave\n"));
  CHECK(trust.size() == 1);
  REQUIRE(trust.find(d_vid));
  CHECK(vid_text('B', *trust.find(d_vid)) == verkey);
  const auto one_field = dir.file("t1", "# x\n" + d_vid + "\n");
  CHECK_THAT(error_of([&] { load_trust_file(one_field); }), Catch::StartsWith(one_field + ":2: "));
  const auto bad_key = dir.file("t2", d_vid + " " + d_vid + "\n");
  CHECK_THAT(error_of([&] { load_trust_file(bad_key); }), Catch::StartsWith(bad_key + ":1: "));
}
