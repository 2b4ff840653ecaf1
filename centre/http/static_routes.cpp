// The console's files at / (centre/web, or [http] web_root).
#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "routes.hpp"

namespace warden::centre::http {

namespace {

/// True if the decoded path holds a control character: a NUL ("/style.css%00.html") would end the
/// file name where the server opens it while the type is taken from the text after it.
bool has_control_character(const std::string& path) {
    return std::any_of(path.begin(), path.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

void static_routes(route_table& t) {
    const auto& root = t.api().opts.web_root;
    auto& log = *t.api().log;
    // No file, route or API path has one: refused before anything reads the path.
    t.server().set_pre_routing_handler([](const request& req, response& res) {
        if (!has_control_character(req.path)) return httplib::Server::HandlerResponse::Unhandled;
        error(res, 404, "not found");
        return httplib::Server::HandlerResponse::Handled;
    });
    // As every API answer: never cached, so a logged-out browser keeps nothing and an update shows at once.
    if (root.empty() || !std::filesystem::is_directory(root)) {
        log.warn("console files not found web_root={} (the API still works)", root);
    } else if (!t.server().set_mount_point("/", root, {{"Cache-Control", "no-store"}})) {
        log.warn("console files cannot be served web_root={}", root);
    }
}

}  // namespace warden::centre::http
