-- Tests of the Lua binding against the built library and real runc.
--
--   luajit bindings/lua/tests/run.lua [PATTERN]    (from the repository's root, as root)
--
-- Prints "ok N name", "not ok N name: why" or "ok N name # SKIP why", then a summary;
-- exits 1 if a test failed. PATTERN (a Lua pattern) runs only the tests whose name
-- matches. Environment as the C integration tests: CTR_TEST_ROOTFS (a busybox rootfs),
-- CTR_MONITOR, CTR_CLEANUP, CTR_FAKE_RUNTIME; each defaults to the build tree. Tests that
-- run containers are skipped, with the reason, when the rootfs is missing. Each test gets
-- its own state and run directories under /tmp, removed afterwards.
--
-- The helpers and the runner are in harness.lua; the tests, in the order they run, in
-- without_containers.lua, containers.lua, container_io.lua, exec.lua, images.lua (on the
-- images of tests/fixtures/mkimages.sh: CTR_TEST_IMAGES, default build/images) and
-- networks.lua.

-- The modules next to this file come first on package.path.
local dir = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

local harness = require "harness"
require "without_containers"
require "containers"
require "container_io"
require "exec"
require "images"
require "networks"
harness.run(arg and arg[1])
