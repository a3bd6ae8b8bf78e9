//===- TestFiles.h - temporary directories and file reads for tests ------===//

#ifndef GPTQ_TEST_UNIT_FORMAT_TESTFILES_H
#define GPTQ_TEST_UNIT_FORMAT_TESTFILES_H

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dirent.h>

namespace gptq::test {

/// A fresh directory per test, removed (with everything in it) afterwards.
class TempDir {
public:
  TempDir() {
    char pattern[] = "/tmp/gptq-format-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  /// The names of the entries, in directory order.
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    if (DIR *dir = ::opendir(path_.c_str())) {
      while (dirent *entry = ::readdir(dir))
        if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
          names.push_back(entry->d_name);
      ::closedir(dir);
    }
    return names;
  }

private:
  std::string path_;
};

/// The whole file (empty when it cannot be read).
inline std::string readAll(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

} // namespace gptq::test

#endif // GPTQ_TEST_UNIT_FORMAT_TESTFILES_H
