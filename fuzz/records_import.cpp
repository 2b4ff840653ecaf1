// The records CSV import (warden-centre records import, docs/residents.md "Import and export"): the
// households, responders and professionals files read into the model and saved through a real SQLite
// store (a new one per input, unlocked with a records key), then exported again.
//
// Input: FILE RS FILE ...   (RS = 0x1e), imported in order into the same store
//   FILE  KIND TEXT, KIND 'h' households, 'r' responders, 'p' professionals
// Invariants: no exception escapes (the store has its key, so not even records_locked); every problem
// names a line inside its file; a dry run reports exactly what the real import then does; an import
// with problems writes nothing (every export reads the same before and after); an import without
// problems exports a file that imports again without problems and creates nothing.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz.hpp"
#include "warden/centre/records_import.hpp"
#include "warden/centre/records_key.hpp"
#include "warden/centre/sqlite_store.hpp"

using namespace warden;
using namespace warden::centre;

namespace {

/// A folder of its own for the database, removed at exit.
struct temp_dir {
    std::filesystem::path path = [] {
        std::string name = (std::filesystem::temp_directory_path() / "warden-fuzz-records-XXXXXX").string();
        WARDEN_FUZZ_CHECK(mkdtemp(name.data()) != nullptr);
        return std::filesystem::path(name);
    }();
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

/// The number of physical lines of `s` as the CSV reader counts them (LF, CRLF or a lone CR end one).
std::size_t lines_of(std::string_view s) {
    std::size_t n = 1;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'))) ++n;
    }
    return n;
}

/// Every file the store exports, households, responders and professionals.
std::string everything(store& db) {
    std::string out;
    for (auto f : {records_file::households, records_file::responders, records_file::professionals})
        out += export_records(db, f) + '\x1e';
    return out;
}

bool same(const import_report& a, const import_report& b) {
    return a.problems == b.problems && a.created == b.created && a.updated == b.updated;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    // A new database for every input, so a crash reproduces from its input alone.
    static const temp_dir dir;
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(dir.path / (std::string("centre.db") + suffix));
    auto db = open_sqlite_store((dir.path / "centre.db").string());
    std::array<unsigned char, records_key::size> key{};
    key.fill(7);
    db->unlock_records(records_key(key));
    const time_point now{std::chrono::milliseconds(1'764'500'000'000)};

    for (auto part : fuzz::split(fuzz::text(data, size), fuzz::record_sep)) {
        if (part.empty()) continue;
        char kind = part.front();
        if (kind != 'h' && kind != 'r' && kind != 'p') continue;
        auto f = kind == 'h'   ? records_file::households
                 : kind == 'r' ? records_file::responders
                               : records_file::professionals;
        part.remove_prefix(1);

        auto before = everything(*db);
        auto dry = import_records(*db, f, part, true, "fuzz", now);
        WARDEN_FUZZ_CHECK(everything(*db) == before);
        auto real = import_records(*db, f, part, false, "fuzz", now);
        WARDEN_FUZZ_CHECK(same(dry, real));
        auto lines = lines_of(part);
        for (const auto& p : real.problems) WARDEN_FUZZ_CHECK(p.line >= 1 && p.line <= lines);
        if (!real.problems.empty()) {
            WARDEN_FUZZ_CHECK(real.created.empty() && real.updated.empty());
            WARDEN_FUZZ_CHECK(everything(*db) == before);
            continue;
        }
        auto exported = export_records(*db, f);
        auto again = import_records(*db, f, exported, true, "fuzz", now);
        WARDEN_FUZZ_CHECK(again.problems.empty());
        WARDEN_FUZZ_CHECK(again.created.empty());
    }
    return 0;
}
