#pragma once
/// Procedures: per alert type, the checklist of steps an operator follows on a call of that type
/// (shown with the call; each step ticked is recorded in the alert's history). The centre ships a
/// default for every type of the alert catalogue; [procedures] in centre.toml replaces a type's steps
/// (docs/procedures.md). Pure data and functions, thread-safe.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace warden::centre {

/// Alert type -> its steps, in order.
using procedure_map = std::map<std::string, std::vector<std::string>, std::less<>>;

/// The shipped steps for `type`; empty if the centre has no default for it (a type the catalogue does
/// not list; the procedures test fails if a catalogue type has none).
std::span<const std::string_view> default_procedure(std::string_view type) noexcept;

/// Every catalogue type's procedure: its default, or the steps `overrides` gives for it.
procedure_map procedures_with(const std::map<std::string, std::vector<std::string>>& overrides);

}  // namespace warden::centre
