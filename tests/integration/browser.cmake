# The operator console in a real Chromium against a real warden-centre and Mosquitto
# (tests/browser/console.test.mjs). Skipped (exit 77) when Chromium or tests/browser/node_modules
# is missing, unless WARDEN_REQUIRE_BROWSER=1 (scripts/test sets it: it installs both), when the
# test fails instead. Screenshots land in <build>/artifacts/browser.
add_test(NAME browser_console COMMAND node ${CMAKE_CURRENT_LIST_DIR}/../browser/console.test.mjs)
set_tests_properties(browser_console PROPERTIES
  ENVIRONMENT "WARDEN_BIN_DIR=${CMAKE_BINARY_DIR}/bin;WARDEN_SOURCE_DIR=${PROJECT_SOURCE_DIR};WARDEN_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/artifacts/browser"
  LABELS integration
  SKIP_RETURN_CODE 77
  TIMEOUT 320)

# The console's pure formatting and queue order (centre/web/js/format.js), with node's own test runner.
add_test(NAME console_format COMMAND node --test ${CMAKE_CURRENT_LIST_DIR}/../browser/format.test.mjs)
set_tests_properties(console_format PROPERTIES LABELS unit TIMEOUT 60)

# Residents' records in the console (tests/browser/records.test.mjs): search, household page, key
# safe reveal with its audit, edit form errors, a care user's caseload. Same skipping as above.
add_test(NAME browser_records COMMAND node ${CMAKE_CURRENT_LIST_DIR}/../browser/records.test.mjs)
set_tests_properties(browser_records PROPERTIES
  ENVIRONMENT "WARDEN_BIN_DIR=${CMAKE_BINARY_DIR}/bin;WARDEN_SOURCE_DIR=${PROJECT_SOURCE_DIR};WARDEN_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/artifacts/browser"
  LABELS integration
  SKIP_RETURN_CODE 77
  TIMEOUT 240)

# The console's household routes (centre/web/js/households.js), with node's own test runner.
add_test(NAME console_household_routes COMMAND node --test ${CMAKE_CURRENT_LIST_DIR}/../browser/households.test.mjs)
set_tests_properties(console_household_routes PROPERTIES LABELS unit TIMEOUT 60)

# The call panel's pure parts (centre/web/js/call.js): age, responder outcomes and steps from history.
add_test(NAME console_call COMMAND node --test ${CMAKE_CURRENT_LIST_DIR}/../browser/call.test.mjs)
set_tests_properties(console_call PROPERTIES LABELS unit TIMEOUT 60)
# Activity insights in the console (tests/browser/activity.test.mjs): generated weeks through the real
# ingest, a care user's activity view with a notice and its evidence, the printed report. Same skipping.
add_test(NAME browser_activity COMMAND node ${CMAKE_CURRENT_LIST_DIR}/../browser/activity.test.mjs)
set_tests_properties(browser_activity PROPERTIES
  ENVIRONMENT "WARDEN_BIN_DIR=${CMAKE_BINARY_DIR}/bin;WARDEN_SOURCE_DIR=${PROJECT_SOURCE_DIR};WARDEN_ARTIFACTS_DIR=${CMAKE_BINARY_DIR}/artifacts/browser"
  LABELS integration
  SKIP_RETURN_CODE 77
  TIMEOUT 240)
