// The Jinja lexer: template source -> tokens, with jinja2's whitespace rules
// (`-` markers, trim_blocks, lstrip_blocks, one trailing newline dropped), comments
// dropped and {% raw %} blocks turned into plain data.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vllmctl::jinja {

struct LexerOptions {
  bool trim_blocks = true;    // drop the first newline after a block tag
  bool lstrip_blocks = true;  // drop spaces/tabs before a block tag on its own line
  bool keep_trailing_newline = false;
};

enum class TokenType {
  Data,
  VarBegin,
  VarEnd,
  BlockBegin,
  BlockEnd,
  Name,
  String,
  Int,
  Float,
  Op,
  Eof
};

struct Token {
  TokenType type;
  std::string value;  // data text, name, decoded string literal, number text, operator
  int line = 1;
  int col = 1;
};

// Throws Error("NAME:LINE:COL: ...") on malformed input (unterminated tags, strings).
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options,
                            const std::string& name);

}  // namespace vllmctl::jinja
