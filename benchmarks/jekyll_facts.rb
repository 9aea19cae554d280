# What real Jekyll does with each site named on the command line, as one JSON object on
# stdout: for each site, whether `jekyll build` (Jekyll::Site#process, which is all that
# `jekyll build` runs) aborted and why, what it logged, every document it read (its source
# path, front matter as Jekyll holds it, URL and destination), the static files, the
# destinations shared by several files and the URLs differing only by case.
#
# Usage: ruby jekyll_facts.rb SOURCE DEST [SOURCE DEST ...]
# One Ruby process builds them all, one after another: Jekyll's start-up (a second) is paid
# once. Liquid tags registered by a site's _plugins are removed again after it.
require "jekyll"
require "json"
require "stringio"
require "base64"

def plain(value)
  case value
  when Hash then value.each_with_object({}) { |(k, v), h| h[k.to_s] = plain(v) }
  when Array then value.map { |v| plain(v) }
  when Time then { "$time" => value.strftime("%Y-%m-%d %H:%M:%S %z") }
  when Date then { "$date" => value.strftime("%Y-%m-%d") }
  when Symbol then { "$symbol" => value.to_s }
  when String
    if value.encoding == Encoding::BINARY && !value.ascii_only?
      { "$binary" => Base64.strict_encode64(value) }
    elsif !value.valid_encoding?
      { "$invalid" => value.b.inspect }
    else
      value
    end
  when Float then value.finite? ? value : { "$float" => value.to_s }
  when Integer, TrueClass, FalseClass, NilClass then value
  else { "$object" => value.class.to_s, "$inspect" => value.inspect[0, 200] }
  end
end

def relative(site, path)
  path.to_s.sub(%r!\A#{Regexp.escape(site.source)}/?!, "")
end

# A big site's posts, each rendered on its own as `jekyll build` renders it (Liquid, then
# the converters) but without its layout and without the pages: what a post does to the
# build, without the minutes a 5,000-post site's layouts take. A post whose rendering
# raises is recorded with the error (a full build would stop on the first of them).
def posts_only(site, out)
  site.reset
  site.read
  site.generate
  payload = site.site_payload
  out["render_errors"] = {}
  out["data_before_render"] = {}
  site.collections.each_value do |collection|
    collection.docs.each do |doc|
      out["data_before_render"][relative(site, doc.path)] = plain(doc.data.reject { |k, _| k == "excerpt" })
      doc.data["layout"] = "none"
      begin
        Jekyll::Renderer.new(site, doc, payload).run
      rescue StandardError => e
        out["render_errors"][relative(site, doc.path)] = "#{e.class}: #{e.message}"[0, 500]
      end
    end
  end
end

def facts(source, dest)
  saved_tags = Liquid::Template.tags.instance_variable_get(:@tags).dup
  saved_err = $stderr
  saved_out = $stdout
  $stderr = StringIO.new
  $stdout = StringIO.new
  out = { "error" => nil }
  site = nil
  begin
    config = Jekyll.configuration("source" => source, "destination" => dest,
                                  "disable_disk_cache" => true, "quiet" => false)
    site = Jekyll::Site.new(config)
    if ENV["JEKYLL_FACTS_POSTS_ONLY"]
      posts_only(site, out)
    else
      site.process
    end
  rescue Exception => e # rubocop:disable Lint/RescueException
    out["error"] = "#{e.class}: #{e.message}"[0, 500]
  ensure
    out["log"] = $stderr.string.gsub(%r!\e\[\d+m!, "")
    $stderr = saved_err
    $stdout = saved_out
    Liquid::Template.tags.instance_variable_set(:@tags, saved_tags)
  end
  return out if site.nil?

  out.delete("render_errors") if out["render_errors"] && out["render_errors"].empty?
  out["docs"] = site.collections.values.flat_map(&:docs).map do |doc|
    data = doc.data.reject { |k, _| %w(excerpt).include?(k) }
    rel = relative(site, doc.path)
    { "path" => rel, "collection" => doc.collection.label,
      "url" => (doc.url rescue nil),
      "data" => (out["data_before_render"] || {})[rel] || plain(data),
      "written" => doc.write?, "published" => site.publisher.publish?(doc) }
  end
  out["pages"] = site.pages.map { |p| { "path" => relative(site, p.path), "url" => p.url } }
  out["static"] = site.static_files.map { |f| relative(site, f.path) }
  begin
    map = Jekyll::Commands::Doctor.send(:destination_map, site)
    out["conflicts"] = map.values.select { |paths| paths.size > 1 }
                          .map { |paths| paths.map { |p| relative(site, p) } }
    cased = Jekyll::Commands::Doctor.send(:case_insensitive_urls,
                                          site.pages + site.docs_to_write, site.dest)
    out["case_conflicts"] = cased.values.select { |d| d.uniq.size > 1 }
                                 .map { |d| d.map { |p| relative(site, p.sub(site.dest, "")) } }
  rescue StandardError => e
    out["conflicts"] = []
    out["case_conflicts"] = []
    out["doctor_error"] = e.message
  end
  out
end

Jekyll.logger.log_level = :warn
result = {}
ARGV.each_slice(2) { |source, dest| result[source] = facts(source, dest) }
$stdout.write(JSON.generate(result))
