// SafetensorsFile: the mapping plus its parsed header, and F32 conversion of a view.
#include "engine/model/safetensors_file.h"

#include "engine/model/model_error.h"

#include <fmt/format.h>

namespace vllmctl {

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(path), header_(parse_safetensors_header(file_.bytes(), path.string())) {}

TensorView SafetensorsFile::find(std::string_view name) const {
  const auto* info = header_.find(name);
  return info == nullptr ? TensorView{} : view(*info);
}

TensorView SafetensorsFile::view(const SafetensorsTensorInfo& info) const {
  return {&info, file_.bytes().subspan(header_.data_offset_bytes + info.data_begin, info.size_bytes())};
}

std::vector<float> tensor_to_f32(const TensorView& tensor, std::string_view label) {
  const auto& info = *tensor.info;
  if (!dtype_is_engine_float(info.dtype)) {
    throw ModelFileError(fmt::format("{}: tensor '{}': dtype {} cannot be converted to F32 (the "
                                     "engine reads F32, F16 and BF16)",
                                     label, printable(info.name), dtype_name(info.dtype)));
  }
  std::vector<float> out(info.numel);
  convert_to_f32(info.dtype, tensor.bytes, out);
  return out;
}

}  // namespace vllmctl
