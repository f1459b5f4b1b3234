// JsonGrammar: the set of JSON texts a structured-output request may produce, as a graph
// of schema nodes compiled from response_format (json_object: any object; json_schema:
// a JSON Schema subset). Plain data, shared read-only by every matcher of a request.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vllmctl::structured {

struct SchemaNode {
  enum class Kind : uint8_t {
    kAny,       // any JSON value
    kObject,    // properties (any order, each at most once), required ones, additional keys
    kArray,     // items, min_items..max_items
    kString,    // min_length..max_length code points
    kNumber,    // any JSON number
    kInteger,   // a JSON number without fraction or exponent
    kLiterals,  // one of `literals` (enum, const, true/false, null), compact JSON text
    kAnyOf,     // any of `alternatives`
  };
  struct Property {
    std::string key_json;  // the key as it appears between the quotes (JSON-escaped)
    int node = 0;
    bool required = false;
  };
  Kind kind = Kind::kAny;
  std::vector<Property> properties;  // kObject; at most kMaxProperties
  int additional = -1;               // kObject: node of keys not in properties; -1: none
  int items = -1;                    // kArray: node of every item
  int min_items = 0, max_items = -1; // kArray; -1: unbounded
  int min_length = 0, max_length = -1;  // kString; -1: unbounded
  std::vector<std::string> literals;    // kLiterals: sorted, unique, non-empty
  std::vector<int> alternatives;        // kAnyOf

  static constexpr int kMaxProperties = 64;
};

struct JsonGrammar {
  std::vector<SchemaNode> nodes;  // nodes[root] is the whole text
  int root = 0;
  // The kAny helpers: a kAny value is one of these, chosen by its first byte.
  int any_node = -1;
  int any_object_node = -1;    // any keys, kAny values
  int any_array_node = -1;     // kAny items
  int any_string_node = -1;
  int any_number_node = -1;
  int any_literals_node = -1;  // false, null, true

  // Adds a node and returns its index.
  int add(SchemaNode node);
  // A grammar with the kAny helpers and no root yet (root = any_node).
  static JsonGrammar with_any();
  // response_format json_object: any JSON object.
  static JsonGrammar any_object();
};

}  // namespace vllmctl::structured
