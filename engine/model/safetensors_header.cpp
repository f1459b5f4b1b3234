// parse_safetensors_header(): the length prefix, the JSON header (duplicate keys and
// nesting checked while parsing), per-tensor checks, then the layout of the buffer.
#include "engine/model/safetensors_header.h"

#include "engine/model/model_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>

namespace vllmctl {

namespace {

using nlohmann::json;

// Thrown from the parse callback to stop early; turned into a ModelFileError below.
struct HeaderShapeError {
  std::string message;
};

// Deepest nesting a valid header has: {"t": {"shape": [1]}} puts the 1 at depth 3.
constexpr int kMaxHeaderDepth = 3;

json parse_header_json(std::string_view text) {
  std::vector<std::set<std::string>> keys_by_depth;
  auto callback = [&keys_by_depth](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxHeaderDepth) {
      throw HeaderShapeError{fmt::format("header JSON is nested deeper than a safetensors header")};
    }
    switch (event) {
      case json::parse_event_t::object_start:
        keys_by_depth.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys_by_depth.empty()) keys_by_depth.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!keys_by_depth.empty() && !keys_by_depth.back().insert(key).second) {
          throw HeaderShapeError{fmt::format("header has the key '{}' twice", printable(key))};
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  return json::parse(text.begin(), text.end(), callback);
}

std::string describe_type(const json& v) { return v.type_name(); }

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

const SafetensorsTensorInfo* SafetensorsHeader::find(std::string_view name) const {
  auto it = index_by_name.find(name);
  return it == index_by_name.end() ? nullptr : &tensors[it->second];
}

std::string format_shape(std::span<const uint64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes,
                                           std::string_view label) {
  auto fail = [&](const std::string& message) {
    return ModelFileError(fmt::format("{}: {}", label, message));
  };
  if (file_bytes.size() < 8) {
    throw fail(fmt::format("file is {} bytes, too short for the 8-byte header length of a "
                           "safetensors file", file_bytes.size()));
  }
  SafetensorsHeader header;
  const uint64_t n = read_u64_le(file_bytes.data());
  if (n > kMaxSafetensorsHeaderBytes) {
    throw fail(fmt::format("header length {} exceeds the limit of {} bytes (not a safetensors "
                           "file?)", n, kMaxSafetensorsHeaderBytes));
  }
  if (n > file_bytes.size() - 8) {
    throw fail(fmt::format("header length {} is longer than the file ({} bytes after the length; "
                           "truncated?)", n, file_bytes.size() - 8));
  }
  header.header_size_bytes = n;
  header.data_offset_bytes = 8 + n;
  header.data_size_bytes = file_bytes.size() - 8 - n;
  const std::string_view text(reinterpret_cast<const char*>(file_bytes.data()) + 8, n);
  if (text.empty() || text.front() != '{') throw fail("header does not start with '{'");

  json root;
  try {
    root = parse_header_json(text);
  } catch (const HeaderShapeError& e) {
    throw fail(e.message);
  } catch (const json::exception& e) {
    throw fail(fmt::format("header is not valid JSON: {}", printable(e.what(), 240)));
  }
  if (!root.is_object()) throw fail("header is not a JSON object");

  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    if (key == "__metadata__") {
      if (!value.is_object()) {
        throw fail(fmt::format("__metadata__ must be an object, not {}", describe_type(value)));
      }
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) {
          throw fail(fmt::format("__metadata__ must map strings to strings, but '{}' is {}",
                                 printable(mk), describe_type(mv)));
        }
        header.metadata.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    auto tfail = [&](const std::string& message) {
      return fail(fmt::format("tensor '{}': {}", printable(key), message));
    };
    if (!value.is_object()) throw tfail(fmt::format("entry must be an object, not {}", describe_type(value)));
    SafetensorsTensorInfo t;
    t.name = key;

    auto dtype_it = value.find("dtype");
    if (dtype_it == value.end() || !dtype_it->is_string()) throw tfail("missing string field 'dtype'");
    const auto& dtype_text = dtype_it->get_ref<const std::string&>();
    auto dtype = parse_dtype(dtype_text);
    if (!dtype) throw tfail(fmt::format("unknown dtype '{}'", printable(dtype_text, 40)));
    t.dtype = *dtype;

    auto shape_it = value.find("shape");
    if (shape_it == value.end() || !shape_it->is_array()) throw tfail("missing array field 'shape'");
    t.numel = 1;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_unsigned()) throw tfail("shape must be a list of non-negative integers");
      const auto d = dim.get<uint64_t>();
      t.shape.push_back(d);
      if (__builtin_mul_overflow(t.numel, d, &t.numel)) {
        throw tfail(fmt::format("shape {} has more elements than fit in 64 bits", format_shape(t.shape)));
      }
    }

    auto offsets_it = value.find("data_offsets");
    if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      throw tfail("data_offsets must be two non-negative integers [begin, end]");
    }
    t.data_begin = (*offsets_it)[0].get<uint64_t>();
    t.data_end = (*offsets_it)[1].get<uint64_t>();
    if (t.data_end < t.data_begin) {
      throw tfail(fmt::format("data_offsets [{}, {}] end before they begin", t.data_begin, t.data_end));
    }
    if (t.data_end > header.data_size_bytes) {
      throw tfail(fmt::format("data_offsets [{}, {}] run past the end of the data ({} bytes; "
                              "truncated file?)", t.data_begin, t.data_end, header.data_size_bytes));
    }
    uint64_t bits = 0;
    if (__builtin_mul_overflow(t.numel, static_cast<uint64_t>(dtype_bits(t.dtype)), &bits)) {
      throw tfail(fmt::format("shape {} of {} is too large", format_shape(t.shape), dtype_text));
    }
    if (bits % 8 != 0) {
      throw tfail(fmt::format("{} elements of {} do not end on a byte boundary", t.numel, dtype_text));
    }
    if (bits / 8 != t.size_bytes()) {
      throw tfail(fmt::format("data_offsets [{}, {}] hold {} bytes, but shape {} of {} needs {}",
                              t.data_begin, t.data_end, t.size_bytes(), format_shape(t.shape),
                              dtype_text, bits / 8));
    }
    header.tensors.push_back(std::move(t));
  }

  // The buffer must be tiled exactly: sorted by offset, each tensor starts where the
  // previous one ended, from 0 to the end of the file.
  std::stable_sort(header.tensors.begin(), header.tensors.end(), [](const auto& a, const auto& b) {
    return a.data_begin != b.data_begin ? a.data_begin < b.data_begin : a.data_end < b.data_end;
  });
  uint64_t expected_begin = 0;
  const SafetensorsTensorInfo* previous = nullptr;
  for (const auto& t : header.tensors) {
    if (t.data_begin < expected_begin) {
      throw fail(fmt::format("tensor '{}': data_offsets [{}, {}] overlap '{}' [{}, {}]",
                             printable(t.name), t.data_begin, t.data_end, printable(previous->name),
                             previous->data_begin, previous->data_end));
    }
    if (t.data_begin > expected_begin) {
      throw fail(previous == nullptr
          ? fmt::format("tensor '{}': data_offsets [{}, {}] leave a hole: the first tensor must start at 0",
                        printable(t.name), t.data_begin, t.data_end)
          : fmt::format("tensor '{}': data_offsets [{}, {}] leave a hole of {} bytes after '{}' [{}, {}]",
                        printable(t.name), t.data_begin, t.data_end, t.data_begin - expected_begin,
                        printable(previous->name), previous->data_begin, previous->data_end));
    }
    expected_begin = t.data_end;
    previous = &t;
  }
  if (expected_begin != header.data_size_bytes) {
    throw fail(fmt::format("{} bytes after the last tensor's data belong to no tensor (data is {} "
                           "bytes, tensors cover {})", header.data_size_bytes - expected_begin,
                           header.data_size_bytes, expected_begin));
  }
  for (size_t i = 0; i < header.tensors.size(); ++i) header.index_by_name.emplace(header.tensors[i].name, i);
  return header;
}

}  // namespace vllmctl
