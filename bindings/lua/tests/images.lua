local GUARD, IMAGES, ctr, eq, has, raises, test =
	require("harness").take "GUARD IMAGES ctr eq has raises test"
-- Images (libctr 1.1) on tests/fixtures/mkimages.sh's images: "oci" (one image tagged
-- "1.0", a bare tag: no name; entrypoint /bin/sh -c, cmd "echo hello from $FOO", env
-- FOO=bar, user app 1234:2345, workdir /data), "multi" (it as localhost/bb:1.0, and
-- localhost/imported:1), "podman.tar" (localhost/imported:1).

local function sorted(t)
	table.sort(t)
	return table.concat(t, " ")
end

-- Create, start and wait for a container: its exit code and its stdout; removed.
local function run(rt, o)
	o.stop_timeout = 1
	local c = rt:create(o)
	c:start()
	local code = c:wait(GUARD)
	local out = {}
	for _, l in ipairs(c:logs()) do
		if l.stream == "stdout" then
			out[#out + 1] = l.data .. (l.partial and "" or "\n")
		end
	end
	c:remove { force = true }
	return code, table.concat(out)
end

test("import_image_gives_an_image_with_id_names_and_config", { images = true }, function(w)
	local rt = w:runtime()
	local img = rt:import_image(IMAGES .. "/oci", { name = "bb:1.0" })
	eq(#img.id, 64, "id length")
	eq(sorted(img:names()), "bb:1.0", "names")
	local json = img:inspect()
	has(json, '"stop_signal":"SIGUSR1"', "inspect")
	has(json, '"exposed_ports":["8080/tcp"]', "inspect")
	has(json, '"working_dir":"/data"', "inspect")
	eq(tostring(img), "ctr.image(" .. img.id:sub(1, 12) .. ")", "tostring")
	raises("TypeError", rt.import_image, rt, IMAGES .. "/oci", { nmae = "x" })
	raises("TypeError", rt.import_image, rt, 1)
end)

test("an_image_imported_again_keeps_its_id_and_gains_names", { images = true }, function(w)
	local rt = w:runtime()
	local first = rt:import_image(IMAGES .. "/oci")
	eq(#first:names(), 0, "a bare tag names nothing")
	local again = rt:import_image(IMAGES .. "/multi")
	eq(again == first, true, "same image")
	eq(sorted(first:names()), "localhost/bb:1.0", "names")
	local podman = rt:import_image(IMAGES .. "/podman.tar")
	eq(sorted(podman:names()), "localhost/imported:1", "docker-archive names")
	local all = rt:images()
	eq(#all, 2, "images")
	assert(all[1].id < all[2].id, "sorted by id")
end)

test("image_finds_by_name_id_or_prefix_and_names_move", { images = true }, function(w)
	local rt = w:runtime()
	local img = rt:import_image(IMAGES .. "/oci", { name = "bb" })
	eq(sorted(img:names()), "bb:latest", "NAME means NAME:latest")
	eq(rt:image("bb").id, img.id, "by name")
	eq(rt:image(img.id:sub(1, 12)).id, img.id, "by prefix")
	eq(rt:image(img.id) == img, true, "by id")
	raises("NotFound", rt.image, rt, "nosuch")
	local other = rt:import_image(IMAGES .. "/podman.tar")
	other:tag("bb")
	eq(#img:names(), 0, "the name moved")
	eq(rt:image("bb") == other, true, "bb is the other image")
end)

test("tag_untag_and_remove", { images = true }, function(w)
	local rt = w:runtime()
	local img = rt:import_image(IMAGES .. "/oci", { name = "bb:1.0" })
	eq(img:tag("extra"):tag("two:v2"), img, "tag returns the image")
	eq(sorted(img:names()), "bb:1.0 extra:latest two:v2", "names")
	img:untag("extra")
	raises("NotFound", img.untag, img, "extra")
	rt:remove_image("two:v2")
	eq(sorted(img:names()), "bb:1.0", "names left")
	img:remove()
	raises("NotFound", img.inspect, img)
	eq(#rt:images(), 0, "no images")
end)

test("containers_from_images", { images = true }, function(w)
	local rt = w:runtime()
	local img = rt:import_image(IMAGES .. "/oci", { name = "bb:1.0" })
	local code, out = run(rt, { image = "bb:1.0" })
	eq(code, 0, "exit code")
	eq(out, "hello from bar\n", "entrypoint and cmd")
	code, out = run(rt, { image = "bb:1.0", args = { "echo $(id -u) $(pwd) $(ls /data/opq)" } })
	eq(out, "1234 /data c\n", "args replace the cmd; user, workdir, whiteouts")
	code, out = run(rt, { image = "bb:1.0", entrypoint = { "/bin/echo" }, args = { "a", "b" } })
	eq(out, "a b\n", "entrypoint")
	code, out = run(rt, { image = "bb:1.0", entrypoint = { "/bin/echo" } })
	eq(out, "\n", "an entrypoint drops the image's cmd")
	has(ctr.config_json { image = "bb:1.0", entrypoint = { "/bin/sh" } }, '"image":"bb:1.0"',
		"config_json")
	local c = rt:create { image = "bb:1.0", name = "user-of-bb" }
	has(c:inspect(), '"image":{"id":"' .. img.id .. '","ref":"bb:1.0"}', "inspect")
	local e = raises("Busy", img.remove, img)
	has(e.message, "user-of-bb", "Busy names the container")
	c:remove()
	img:remove()
	raises("NotFound", rt.create, rt, { image = "bb:1.0" })
	raises("InvalidArgument", rt.create, rt, { image = "bb:1.0", entrypoint = {} })
end)

test("pull_fetches_with_skopeo", { images = true }, function(w)
	local rt = w:runtime()
	local src = "oci:" .. IMAGES .. "/oci:1.0"
	local img = rt:pull(src, { name = "pulled:1", timeout = 3 * GUARD })
	eq(sorted(img:names()), "pulled:1", "names")
	eq(rt:import_image(IMAGES .. "/oci") == img, true, "the same image")
	local e = raises("RuntimeFailed", rt.pull, rt, "oci:" .. w.base .. "/none:1", { name = "x" })
	has(e.message, "skopeo", "message")
	raises("TypeError", rt.pull, rt, src, { timeout = 0 })
	raises("TypeError", rt.pull, rt, src, { insecure = "yes" })
end)

test("import_errors", { images = true }, function(w)
	local rt = w:runtime()
	raises("NotFound", rt.import_image, rt, w.base .. "/none")
	local f = assert(io.open(w.base .. "/notimage", "w"))
	f:write("not an image\n")
	f:close()
	local e = raises("InvalidArgument", rt.import_image, rt, w.base .. "/notimage")
	has(e.message, w.base .. "/notimage", "message names the path")
	raises("InvalidArgument", rt.import_image, rt, IMAGES .. "/multi", { name = "one:name" })
	raises("InvalidArgument", rt.import_image, rt, IMAGES .. "/oci", { name = "Bad Name" })
	eq(#rt:images(), 0, "nothing imported")
end)
