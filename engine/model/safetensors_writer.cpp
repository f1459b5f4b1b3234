// write_safetensors(): sort, build the padded header, stream each tensor's bytes through
// a fixed chunk buffer into a temporary file, rename into place.
#include "engine/model/safetensors_writer.h"

#include "engine/model/model_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

namespace vllmctl {

namespace {

constexpr size_t kChunkBytes = 8u << 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

uint64_t TensorSpec::numel() const {
  uint64_t n = 1;
  for (uint64_t d : shape) n *= d;
  return n;
}

uint64_t TensorSpec::size_bytes() const { return numel() * dtype_bits(dtype) / 8; }

std::vector<TensorSpec> sort_for_safetensors(std::vector<TensorSpec> specs) {
  std::sort(specs.begin(), specs.end(), [](const TensorSpec& a, const TensorSpec& b) {
    const uint32_t abits = dtype_bits(a.dtype), bbits = dtype_bits(b.dtype);
    return abits != bbits ? abits > bbits : a.name < b.name;
  });
  return specs;
}

std::string safetensors_header_bytes(const std::vector<TensorSpec>& sorted,
                                     const std::map<std::string, std::string>& metadata) {
  // Written by hand (not via a json object) so the key order is the data order, as in
  // the reference writer: __metadata__ first, then each tensor.
  std::string text = "{";
  auto add_key = [&text](const std::string& key) {
    if (text.size() > 1) text += ',';
    text += nlohmann::json(key).dump();
    text += ':';
  };
  if (!metadata.empty()) {
    add_key("__metadata__");
    text += nlohmann::json(metadata).dump();
  }
  uint64_t offset = 0;
  for (const auto& spec : sorted) {
    add_key(spec.name);
    const uint64_t end = offset + spec.size_bytes();
    text += fmt::format(R"({{"dtype":"{}","shape":[{}],"data_offsets":[{},{}]}})",
                        dtype_name(spec.dtype), fmt::join(spec.shape, ","), offset, end);
    offset = end;
  }
  text += '}';
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);  // little-endian host (dtype.h)
  return out + text;
}

uint64_t write_safetensors(const std::filesystem::path& path, std::vector<TensorSpec> specs,
                           const TensorFiller& fill,
                           const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const auto& spec : specs) {
    if (!names.insert(spec.name).second) {
      throw ModelFileError(fmt::format("{}: tensor '{}' given twice", path.string(), spec.name));
    }
    if (spec.numel() * dtype_bits(spec.dtype) % 8 != 0) {
      throw ModelFileError(fmt::format("{}: tensor '{}': {} elements of {} do not end on a byte boundary",
                                       path.string(), spec.name, spec.numel(), dtype_name(spec.dtype)));
    }
  }
  const auto sorted = sort_for_safetensors(std::move(specs));
  const std::string head = safetensors_header_bytes(sorted, metadata);

  std::filesystem::path partial = path;
  partial += ".partial";
  auto io_error = [&](const char* what) {
    const int err = errno;
    std::error_code ec;
    std::filesystem::remove(partial, ec);
    return ModelFileError(fmt::format("{}: {}: {}", path.string(), what, std::strerror(err)));
  };
  std::unique_ptr<std::FILE, FileCloser> out(std::fopen(partial.c_str(), "wb"));
  if (!out) throw io_error("cannot create");
  uint64_t total = head.size();
  if (std::fwrite(head.data(), 1, head.size(), out.get()) != head.size()) throw io_error("write failed");

  std::vector<std::byte> buffer(kChunkBytes);
  for (const auto& spec : sorted) {
    const uint64_t size = spec.size_bytes();
    for (uint64_t offset = 0; offset < size; offset += kChunkBytes) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, size - offset));
      std::span<std::byte> chunk(buffer.data(), n);
      fill(spec, offset, chunk);
      if (std::fwrite(chunk.data(), 1, n, out.get()) != n) throw io_error("write failed");
    }
    total += size;
  }
  if (std::fflush(out.get()) != 0) throw io_error("write failed");
  if (std::fclose(out.release()) != 0) throw io_error("close failed");
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    throw ModelFileError(fmt::format("{}: cannot rename into place: {}", path.string(), ec.message()));
  }
  return total;
}

uint64_t write_safetensors(const std::filesystem::path& path, const std::vector<TensorBytes>& tensors,
                           const std::map<std::string, std::string>& metadata) {
  std::vector<TensorSpec> specs;
  std::map<std::string, const TensorBytes*> by_name;
  for (const auto& t : tensors) {
    if (t.bytes.size() != t.spec.size_bytes()) {
      throw ModelFileError(fmt::format("{}: tensor '{}' has {} bytes, but its shape and dtype need {}",
                                       path.string(), t.spec.name, t.bytes.size(), t.spec.size_bytes()));
    }
    specs.push_back(t.spec);
    by_name[t.spec.name] = &t;
  }
  auto fill = [&by_name](const TensorSpec& spec, uint64_t offset, std::span<std::byte> chunk) {
    std::memcpy(chunk.data(), by_name.at(spec.name)->bytes.data() + offset, chunk.size());
  };
  return write_safetensors(path, std::move(specs), fill, metadata);
}

}  // namespace vllmctl
