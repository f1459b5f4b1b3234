// JsonGrammar construction helpers.
#include "engine/structured/json_grammar.h"

#include <utility>

namespace vllmctl::structured {

int JsonGrammar::add(SchemaNode node) {
  nodes.push_back(std::move(node));
  return static_cast<int>(nodes.size()) - 1;
}

JsonGrammar JsonGrammar::with_any() {
  JsonGrammar g;
  g.any_node = g.add(SchemaNode{});
  SchemaNode literals;
  literals.kind = SchemaNode::Kind::kLiterals;
  literals.literals = {"false", "null", "true"};
  g.any_literals_node = g.add(std::move(literals));
  SchemaNode object;
  object.kind = SchemaNode::Kind::kObject;
  object.additional = g.any_node;
  g.any_object_node = g.add(std::move(object));
  SchemaNode array;
  array.kind = SchemaNode::Kind::kArray;
  array.items = g.any_node;
  g.any_array_node = g.add(std::move(array));
  SchemaNode string;
  string.kind = SchemaNode::Kind::kString;
  g.any_string_node = g.add(std::move(string));
  SchemaNode number;
  number.kind = SchemaNode::Kind::kNumber;
  g.any_number_node = g.add(std::move(number));
  g.root = g.any_node;
  return g;
}

JsonGrammar JsonGrammar::any_object() {
  JsonGrammar g = with_any();
  g.root = g.any_object_node;
  return g;
}

}  // namespace vllmctl::structured
