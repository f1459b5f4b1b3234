// JSON Schema -> JsonGrammar. Each schema object becomes one node; $refs are compiled
// once (so recursive schemas work) and become one-alternative anyOf nodes.
#include "cli/serve/json_schema_compiler.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace vllmctl {

namespace {

using json = nlohmann::json;
using structured::JsonGrammar;
using structured::SchemaNode;
using Kind = SchemaNode::Kind;

constexpr int kMaxDepth = 64;

// Keywords that would constrain the output in ways the matcher cannot enforce: refusing
// them is better than returning JSON that breaks the schema.
const std::set<std::string, std::less<>> kUnsupported = {
    "pattern", "patternProperties", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "not", "if", "then", "else", "dependentRequired",
    "dependentSchemas", "dependencies", "propertyNames", "contains", "minContains",
    "maxContains", "uniqueItems", "prefixItems", "minProperties", "maxProperties",
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"};

class Compiler {
 public:
  explicit Compiler(const json& root) : root_(root), g_(JsonGrammar::with_any()) {}

  JsonGrammar run() {
    g_.root = compile(root_, "", 0);
    return std::move(g_);
  }

 private:
  [[noreturn]] static void fail(const std::string& path, const std::string& what) {
    throw std::invalid_argument(fmt::format("schema{}: {}", path.empty() ? "" : " at '" + path + "'", what));
  }

  static int count(const json& s, const char* key, const std::string& path) {
    const auto it = s.find(key);
    if (it == s.end()) return -1;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1'000'000) {
      fail(path, fmt::format("'{}' must be a non-negative integer", key));
    }
    return static_cast<int>(it->get<int64_t>());
  }

  int add(SchemaNode n) { return g_.add(std::move(n)); }

  int literals(std::vector<std::string> texts) {
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
    SchemaNode n;
    n.kind = Kind::kLiterals;
    n.literals = std::move(texts);
    return add(std::move(n));
  }

  int any_of(std::vector<int> alternatives) {
    SchemaNode n;
    n.kind = Kind::kAnyOf;
    n.alternatives = std::move(alternatives);
    return add(std::move(n));
  }

  int compile(const json& s, const std::string& path, int depth) {
    if (depth > kMaxDepth) fail(path, fmt::format("nested more than {} levels", kMaxDepth));
    if (s.is_boolean()) {
      if (s.get<bool>()) return g_.any_node;
      fail(path, "'false' allows no value");
    }
    if (!s.is_object()) fail(path, "expected a schema object");
    for (const auto& [key, value] : s.items()) {
      if (kUnsupported.count(key)) {
        fail(path, fmt::format("the keyword '{}' is not supported by vllmctl's structured output; "
                               "remove it or enforce it after generation",
                               key));
      }
    }
    int node = compile_body(s, path, depth);
    if (const auto nullable = s.find("nullable"); nullable != s.end()) {
      if (!nullable->is_boolean()) fail(path, "'nullable' must be true or false");
      if (nullable->get<bool>()) node = any_of({node, literals({"null"})});
    }
    return node;
  }

  int compile_body(const json& s, const std::string& path, int depth) {
    if (const auto ref = s.find("$ref"); ref != s.end()) return reference(*ref, path, depth);
    if (const auto all = s.find("allOf"); all != s.end()) {
      if (!all->is_array() || all->size() != 1) fail(path, "'allOf' is supported with exactly one schema");
      return compile((*all)[0], path + "/allOf/0", depth + 1);
    }
    for (const char* key : {"anyOf", "oneOf"}) {  // oneOf: exclusivity is not checked
      if (const auto alts = s.find(key); alts != s.end()) {
        if (!alts->is_array() || alts->empty()) fail(path, fmt::format("'{}' must be a non-empty array", key));
        std::vector<int> nodes;
        for (size_t i = 0; i < alts->size(); ++i) {
          nodes.push_back(compile((*alts)[i], fmt::format("{}/{}/{}", path, key, i), depth + 1));
        }
        return any_of(std::move(nodes));
      }
    }
    if (const auto c = s.find("const"); c != s.end()) return literals({c->dump()});
    if (const auto e = s.find("enum"); e != s.end()) {
      if (!e->is_array() || e->empty()) fail(path, "'enum' must be a non-empty array");
      std::vector<std::string> texts;
      for (const auto& v : *e) texts.push_back(v.dump());
      return literals(std::move(texts));
    }
    const auto type = s.find("type");
    if (type == s.end()) {
      if (s.contains("properties") || s.contains("required") || s.contains("additionalProperties")) {
        return typed(s, "object", path, depth);
      }
      if (s.contains("items") || s.contains("minItems") || s.contains("maxItems")) return typed(s, "array", path, depth);
      return g_.any_node;
    }
    if (type->is_string()) return typed(s, type->get<std::string>(), path, depth);
    if (type->is_array() && !type->empty()) {
      std::vector<int> nodes;
      for (const auto& t : *type) {
        if (!t.is_string()) fail(path, "'type' entries must be strings");
        nodes.push_back(typed(s, t.get<std::string>(), path, depth));
      }
      return nodes.size() == 1 ? nodes[0] : any_of(std::move(nodes));
    }
    fail(path, "'type' must be a string or a non-empty array of strings");
  }

  int typed(const json& s, const std::string& type, const std::string& path, int depth) {
    SchemaNode n;
    if (type == "object") return object(s, path, depth);
    if (type == "array") {
      n.kind = Kind::kArray;
      const auto items = s.find("items");
      if (items != s.end() && items->is_array()) fail(path, "'items' as an array (tuples) is not supported");
      n.items = items == s.end() ? g_.any_node : compile(*items, path + "/items", depth + 1);
      n.min_items = std::max(count(s, "minItems", path), 0);
      n.max_items = count(s, "maxItems", path);
      if (n.max_items >= 0 && n.max_items < n.min_items) fail(path, "'maxItems' is below 'minItems'");
      return add(std::move(n));
    }
    if (type == "string") {
      n.kind = Kind::kString;
      n.min_length = std::max(count(s, "minLength", path), 0);
      n.max_length = count(s, "maxLength", path);
      if (n.max_length >= 0 && n.max_length < n.min_length) fail(path, "'maxLength' is below 'minLength'");
      return add(std::move(n));
    }
    if (type == "number" || type == "integer") {
      n.kind = type == "number" ? Kind::kNumber : Kind::kInteger;
      return add(std::move(n));
    }
    if (type == "boolean") return literals({"false", "true"});
    if (type == "null") return literals({"null"});
    fail(path, fmt::format("unknown type '{}' (expected object, array, string, number, integer, boolean or null)", type));
  }

  int object(const json& s, const std::string& path, int depth) {
    SchemaNode n;
    n.kind = Kind::kObject;
    const auto props = s.find("properties");
    if (props != s.end()) {
      if (!props->is_object()) fail(path, "'properties' must be an object");
      if (props->size() > SchemaNode::kMaxProperties) {
        fail(path, fmt::format("more than {} properties in one object", SchemaNode::kMaxProperties));
      }
      for (const auto& [name, sub] : props->items()) {
        const std::string quoted = json(name).dump();
        n.properties.push_back({quoted.substr(1, quoted.size() - 2), compile(sub, path + "/properties/" + name, depth + 1), false});
      }
    }
    if (const auto req = s.find("required"); req != s.end()) {
      if (!req->is_array()) fail(path, "'required' must be an array of property names");
      for (const auto& r : *req) {
        if (!r.is_string()) fail(path, "'required' must be an array of property names");
        const std::string quoted = json(r.get<std::string>()).dump();
        const std::string key = quoted.substr(1, quoted.size() - 2);
        auto it = std::find_if(n.properties.begin(), n.properties.end(), [&](const auto& p) { return p.key_json == key; });
        if (it == n.properties.end()) {
          fail(path, fmt::format("required property '{}' is not in 'properties'", r.get<std::string>()));
        }
        it->required = true;
      }
    }
    // Like xgrammar's strict default: listed properties only, unless the schema opens it.
    // An object schema that lists no properties allows any keys.
    const auto extra = s.find("additionalProperties");
    if (extra == s.end()) {
      n.additional = props == s.end() ? g_.any_node : -1;
    } else if (extra->is_boolean()) {
      n.additional = extra->get<bool>() ? g_.any_node : -1;
    } else {
      n.additional = compile(*extra, path + "/additionalProperties", depth + 1);
    }
    return add(std::move(n));
  }

  int reference(const json& ref, const std::string& path, int depth) {
    if (!ref.is_string()) fail(path, "'$ref' must be a string");
    const std::string target = ref.get<std::string>();
    if (const auto it = refs_.find(target); it != refs_.end()) return it->second;
    if (target.empty() || target[0] != '#') {
      fail(path, fmt::format("'$ref' '{}' is not supported: only references inside the schema ('#/$defs/...')", target));
    }
    const json* resolved = nullptr;
    try {
      resolved = &root_.at(json::json_pointer(target.substr(1)));
    } catch (const json::exception&) {
      fail(path, fmt::format("'$ref' '{}' points to nothing in the schema", target));
    }
    const int alias = any_of({});  // filled below; recursion through it finds it in refs_
    refs_[target] = alias;
    const int node = compile(*resolved, target.substr(1), depth + 1);
    g_.nodes[static_cast<size_t>(alias)].alternatives = {node};
    return alias;
  }

  const json& root_;
  JsonGrammar g_;
  std::map<std::string, int> refs_;
};

}  // namespace

structured::JsonGrammar compile_json_schema(const nlohmann::json& schema) { return Compiler(schema).run(); }

}  // namespace vllmctl
