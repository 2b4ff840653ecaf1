// The console's files at / (centre/web, or [http] web_root).
#include <filesystem>

#include <spdlog/spdlog.h>

#include "routes.hpp"

namespace warden::centre::http {

void static_routes(route_table& t) {
    const auto& root = t.api().opts.web_root;
    auto& log = *t.api().log;
    if (root.empty() || !std::filesystem::is_directory(root)) {
        log.warn("console files not found web_root={} (the API still works)", root);
    } else if (!t.server().set_mount_point("/", root)) {
        log.warn("console files cannot be served web_root={}", root);
    }
}

}  // namespace warden::centre::http
