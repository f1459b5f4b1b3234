// The Jinja parser: tokens -> statement list. Follows jinja2's grammar and operator
// precedence (filters bind tighter than arithmetic; `not` looser than comparisons).
#pragma once

#include <string>
#include <vector>

#include "engine/text/jinja/ast.h"
#include "engine/text/jinja/lexer.h"

namespace vllmctl::jinja {

// Throws Error("NAME:LINE:COL: ...") for syntax errors.
Body parse(const std::vector<Token>& tokens, const std::string& name);

}  // namespace vllmctl::jinja
