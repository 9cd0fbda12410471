// bexcli: the spec's C++ command line over the BEX C ABI (C++17). It uses
// only the installed header and library, one std::promise per request, and
// the spec's `on_result` callback unchanged.
//
//   bexcli [--data-dir DIR] [--config JSON] [-v] COMMAND ARGS...
//
// The data directory is --data-dir, else $BEX_DATA_DIR. --config goes to
// bex_engine_new_with_config, e.g. '{"replay_dir": "plugins/tvmaze/fixtures"}'
// to answer every HTTP request from recordings. -v prints the engine's and
// plugins' log lines on stderr. Results print as JSON on stdout; a failure
// prints `error[CODE]: message` on stderr and exits with the code's number.
#include "bex_engine.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

// The spec's callback (plus the cast that -Wextra asks for): a request's
// outcome fulfils the promise passed as `user_data`; a failure carries the
// error payload JSON (`{"code": ..., "number": ..., "message": ...}`) as
// the exception's text.
extern "C" void on_result(void* user_data, uint64_t req_id, bool success, const uint8_t* payload, size_t len) {
  (void)req_id;
  auto* promise = static_cast<std::promise<std::string>*>(user_data);
  if (success) promise->set_value(std::string(reinterpret_cast<const char*>(payload), len));
  else promise->set_exception(std::make_exception_ptr(std::runtime_error(std::string(reinterpret_cast<const char*>(payload), len))));
}

// The spec's integration example, verbatim apart from declaring `req2` and
// silencing unused values. Never called: it proves the snippet compiles
// against our header. The commands below make the same calls for real.
[[maybe_unused]] static void spec_example() {
  BexEngine* engine = bex_engine_new("/path/to/data");
  std::promise<std::string> promise;
  uint64_t req1 = bex_submit_home(engine, "bex.gogoanime", on_result, &promise);
  std::string result = promise.get_future().get();
  uint64_t req2 = req1;
  bex_cancel_request(engine, req2);
  bex_engine_install(engine, "/path/to/plugin.bex");
  bex_engine_uninstall(engine, "bex.gogoanime");
  BexPluginInfoList plugins = bex_engine_list_plugins(engine);
  bex_plugin_info_list_free(plugins);
  bex_engine_secret_set(engine, "bex.imdb", "api-key", "your-key");
  char buf[4096];
  size_t buf_len = sizeof(buf);
  bex_engine_secret_get(engine, "bex.imdb", "api-key", buf, &buf_len);
  bex_engine_secret_delete(engine, "bex.imdb", "api-key");
  char* keys = bex_engine_secret_keys(engine, "bex.imdb");
  bex_string_free(keys);
  bex_engine_free(engine);
  (void)result;
}

namespace {

// A failure with its BexErrorCode.
class BexError : public std::runtime_error {
 public:
  BexError(int32_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int32_t code() const { return code_; }

 private:
  int32_t code_;
};

// A wrong command line: usage goes to stderr, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Takes ownership of a string BEX returned.
std::string take(char* s) {
  std::string out = s ? s : "";
  bex_string_free(s);
  return out;
}

// The calling thread's last failure, as an exception. The message reads
// "CODE: text"; the code is shown separately, so drop it.
BexError last_error(const BexEngine* engine) {
  int32_t code = bex_engine_last_error_code(engine);
  char* message = bex_engine_last_error(engine);
  std::string text = message ? message : "unknown failure";
  bex_string_free(message);
  std::string prefix = std::string(bex_error_code_name(code)) + ": ";
  if (text.compare(0, prefix.size(), prefix) == 0) text.erase(0, prefix.size());
  return BexError(code ? code : BEX_ERROR_CODE_INTERNAL, text);
}

void check(const BexEngine* engine, int rc) {
  if (rc != 0) throw last_error(engine);
}

// Reads the JSON string starting at json[i] == '"', decoding escapes
// (\uXXXX, surrogate pairs included, to UTF-8). Advances i past it.
bool read_string(const std::string& json, size_t& i, std::string& out) {
  if (i >= json.size() || json[i] != '"') return false;
  auto hex4 = [&](size_t at, uint32_t& v) {
    if (at + 4 > json.size()) return false;
    v = 0;
    for (size_t k = at; k < at + 4; k++) {
      char c = json[k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else return false;
    }
    return true;
  };
  out.clear();
  for (i++; i < json.size(); i++) {
    char c = json[i];
    if (c == '"') {
      i++;
      return true;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= json.size()) return false;
    switch (json[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(i + 1, cp)) return false;
        i += 4;
        uint32_t low;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < json.size() && json[i + 1] == '\\' &&
            json[i + 2] == 'u' && hex4(i + 3, low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        if (cp < 0x80) {
          out += char(cp);
        } else if (cp < 0x800) {
          out += char(0xC0 | (cp >> 6));
          out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += char(0xE0 | (cp >> 12));
          out += char(0x80 | ((cp >> 6) & 0x3F));
          out += char(0x80 | (cp & 0x3F));
        } else {
          out += char(0xF0 | (cp >> 18));
          out += char(0x80 | ((cp >> 12) & 0x3F));
          out += char(0x80 | ((cp >> 6) & 0x3F));
          out += char(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: out += json[i]; break;  // \" \\ \/
    }
  }
  return false;
}

// A failed request's payload, `{"code": "NAME", "number": N, "message":
// "..."}` (a flat object), as an exception. Anything else becomes an
// INTERNAL error carrying the text as it came.
BexError payload_error(const std::string& json) {
  int32_t number = 0;
  std::string message;
  bool ok = false;
  size_t i = 0;
  auto ws = [&] {
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t' || json[i] == '\r')) i++;
  };
  ws();
  if (i < json.size() && json[i] == '{') {
    i++;
    for (;;) {
      ws();
      std::string key, value;
      if (!read_string(json, i, key)) break;
      ws();
      if (i >= json.size() || json[i++] != ':') break;
      ws();
      if (i < json.size() && json[i] == '"') {
        if (!read_string(json, i, value)) break;
      } else {
        while (i < json.size() && json[i] != ',' && json[i] != '}') value += json[i++];
      }
      if (key == "number") number = int32_t(std::strtol(value.c_str(), nullptr, 10));
      if (key == "message") message = value;
      ws();
      if (i < json.size() && json[i] == ',') {
        i++;
        continue;
      }
      ok = i < json.size() && json[i] == '}';
      break;
    }
  }
  if (!ok || number <= 0) return BexError(BEX_ERROR_CODE_INTERNAL, "unexpected error payload: " + json);
  return BexError(number, message);
}

// Waits for the request `id` submitted with `&promise`. Id 0 means it was
// not accepted (no callback will come): the last error says why.
std::string await(const BexEngine* engine, uint64_t id, std::promise<std::string>& promise) {
  if (id == 0) throw last_error(engine);
  try {
    return promise.get_future().get();
  } catch (const std::runtime_error& e) {
    throw payload_error(e.what());
  }
}

extern "C" void print_log(void* user_data, int32_t level, const char* plugin_id, const char* request_id,
                          const char* message) {
  (void)user_data;
  static const char* const names[] = {"trace", "debug", "info", "warn", "error"};
  const char* name = level >= 0 && level <= 4 ? names[level] : "log";
  std::fprintf(stderr, "[%s] %s %s: %s\n", name, plugin_id, request_id, message);
}

// Closes the engine on every path out of main.
struct Engine {
  BexEngine* handle;
  explicit Engine(BexEngine* h) : handle(h) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine() { bex_engine_free(handle); }
};

std::string capabilities(uint32_t bits) {
  static const char* const names[] = {"home", "category", "search", "info", "servers", "stream", "subtitles", "articles"};
  std::string out;
  for (int b = 0; b < 8; b++) {
    if (bits & (1u << b)) out += (out.empty() ? "" : ",") + std::string(names[b]);
  }
  return out;
}

const char* breaker(BexBreakerState s) {
  switch (s) {
    case BEX_BREAKER_STATE_CLOSED: return "closed";
    case BEX_BREAKER_STATE_OPEN: return "open";
    case BEX_BREAKER_STATE_HALF_OPEN: return "half-open";
  }
  return "unknown";
}

const char* const USAGE =
    "usage: bexcli [--data-dir DIR] [--config JSON] [-v] COMMAND ARGS...\n"
    "commands:\n"
    "  install PATH.bex | uninstall ID | list | info-plugin ID\n"
    "  enable ID | disable ID | stats\n"
    "  set-key ID KEY VALUE | get-key ID KEY | delete-key ID KEY | list-keys ID\n"
    "  home ID | search ID QUERY | info ID MEDIA_ID | servers ID EPISODE_ID\n"
    "  stream ID SERVER_JSON\n";

// Runs one command; returns what to print on stdout.
std::string run(const BexEngine* engine, const std::string& cmd, const std::vector<std::string>& a) {
  auto want = [&](size_t n) {
    if (a.size() != n) throw UsageError(cmd + " takes " + std::to_string(n) + " argument(s)");
  };
  const char* id = a.empty() ? nullptr : a[0].c_str();

  if (cmd == "install") {
    want(1);
    check(engine, bex_engine_install(engine, id));
    return "installed " + a[0];
  }
  if (cmd == "uninstall") {
    want(1);
    check(engine, bex_engine_uninstall(engine, id));
    return "uninstalled " + a[0];
  }
  if (cmd == "enable") {
    want(1);
    check(engine, bex_engine_enable(engine, id));
    return "enabled " + a[0];
  }
  if (cmd == "disable") {
    want(1);
    check(engine, bex_engine_disable(engine, id));
    return "disabled " + a[0];
  }
  if (cmd == "list") {
    want(0);
    BexPluginInfoList plugins = bex_engine_list_plugins(engine);
    // A failure also returns an empty list. Nothing failed on this thread
    // before (successes do not clear the last error), so a code means this.
    if (plugins.len == 0 && bex_engine_last_error_code(engine) != 0) throw last_error(engine);
    std::string out = plugins.len ? "" : "no plugins installed";
    for (size_t i = 0; i < plugins.len; i++) {
      const BexPluginInfo& p = plugins.items[i];
      out += std::string(p.id) + "  " + p.version + "  " + (p.enabled ? "enabled " : "disabled") + "  " + p.name +
             (i + 1 < plugins.len ? "\n" : "");
    }
    bex_plugin_info_list_free(plugins);
    return out;
  }
  if (cmd == "info-plugin") {
    want(1);
    BexPluginInfo p;
    check(engine, bex_engine_plugin_info(engine, id, &p));
    std::string out = std::string("id: ") + p.id + "\nname: " + p.name + "\nversion: " + p.version +
                      "\ndescription: " + p.description + "\nhosts: " + p.hosts +
                      "\ncapabilities: " + capabilities(p.capabilities) +
                      "\nenabled: " + (p.enabled ? "yes" : "no") + "\nbreaker: " + breaker(p.breaker) +
                      "\ncomponent bytes: " + std::to_string(p.component_bytes);
    bex_plugin_info_free(&p);
    return out;
  }
  if (cmd == "stats") {
    want(0);
    char* s = bex_engine_stats(engine);
    if (!s) throw last_error(engine);
    return take(s);
  }
  if (cmd == "set-key") {
    want(3);
    check(engine, bex_engine_secret_set(engine, id, a[1].c_str(), a[2].c_str()));
    return "set " + a[0] + " " + a[1];
  }
  if (cmd == "get-key") {
    want(2);
    // Ask for the size (a zero-length call answers it), then read.
    size_t len = 0;
    int rc = bex_engine_secret_get(engine, id, a[1].c_str(), nullptr, &len);
    if (rc != BEX_ERROR_CODE_INVALID_ARGUMENT || len == 0) throw last_error(engine);
    std::vector<char> buf(len);
    check(engine, bex_engine_secret_get(engine, id, a[1].c_str(), buf.data(), &len));
    return std::string(buf.data(), len);
  }
  if (cmd == "delete-key") {
    want(2);
    check(engine, bex_engine_secret_delete(engine, id, a[1].c_str()));
    return "deleted " + a[0] + " " + a[1];
  }
  if (cmd == "list-keys") {
    want(1);
    char* s = bex_engine_secret_keys(engine, id);
    if (!s) throw last_error(engine);
    std::string keys = take(s);
    for (char& c : keys) {
      if (c == ',') c = '\n';
    }
    return keys;
  }

  // Calls into the plugin: one promise per request.
  std::promise<std::string> promise;
  uint64_t req;
  if (cmd == "home") {
    want(1);
    req = bex_submit_home(engine, id, on_result, &promise);
  } else if (cmd == "search") {
    want(2);
    req = bex_submit_search(engine, id, a[1].c_str(), on_result, &promise);
  } else if (cmd == "info") {
    want(2);
    req = bex_submit_info(engine, id, a[1].c_str(), on_result, &promise);
  } else if (cmd == "servers") {
    want(2);
    req = bex_submit_servers(engine, id, a[1].c_str(), on_result, &promise);
  } else if (cmd == "stream") {
    want(2);
    req = bex_submit_stream(engine, id, a[1].c_str(), on_result, &promise);
  } else {
    throw UsageError("unknown command \"" + cmd + "\"");
  }
  return await(engine, req, promise);
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = std::getenv("BEX_DATA_DIR") ? std::getenv("BEX_DATA_DIR") : "";
  const char* config = nullptr;
  bool verbose = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    std::string opt = argv[i];
    if (opt == "-v" || opt == "--verbose") {
      verbose = true;
    } else if (opt == "--data-dir" && i + 1 < argc) {
      data_dir = argv[++i];
    } else if (opt == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (opt == "-h" || opt == "--help") {
      std::cout << USAGE;
      return 0;
    } else {
      std::cerr << "error: unknown or incomplete option " << opt << "\n" << USAGE;
      return 2;
    }
  }
  if (i >= argc) {
    std::cerr << USAGE;
    return 2;
  }
  if (data_dir.empty()) {
    std::cerr << "error: no data directory: pass --data-dir DIR or set BEX_DATA_DIR\n";
    return 2;
  }
  std::string cmd = argv[i];
  std::vector<std::string> args(argv + i + 1, argv + argc);

  try {
    Engine engine(bex_engine_new_with_config(data_dir.c_str(), config));
    if (!engine.handle) throw last_error(nullptr);
    if (verbose) check(engine.handle, bex_engine_set_log_callback(engine.handle, print_log, nullptr));
    std::cout << run(engine.handle, cmd, args) << "\n";
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.what() << "\n" << USAGE;
    return 2;
  } catch (const BexError& e) {
    std::cerr << "error[" << bex_error_code_name(e.code()) << "]: " << e.what() << "\n";
    return e.code() > 0 && e.code() < 256 ? e.code() : 1;
  }
}
