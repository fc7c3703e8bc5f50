-- Drives `critic lsp --stdio` from Neovim's built-in LSP client (0.7+), headless. Paths come from
-- the environment; what the editor saw is written as JSON to $CRITIC_RESULT for the node test.
local root = os.getenv('CRITIC_ROOT')
local result_file = os.getenv('CRITIC_RESULT')
local timeout = tonumber(os.getenv('CRITIC_WAIT_MS') or '120000')
local seen = { steps = {} }

local function finish(code)
  vim.fn.writefile({ vim.fn.json_encode(seen) }, result_file)
  vim.cmd(code == 0 and 'qa!' or 'cquit! ' .. code)
end

local function fail(message)
  seen.error = message
  finish(1)
end

-- The server's critic/status notifications: which version of each document it finished.
local done = {}
local client_id = vim.lsp.start_client({
  name = 'critic',
  cmd = { os.getenv('CRITIC_NODE'), os.getenv('CRITIC_CLI'), 'lsp', '--stdio' },
  root_dir = root,
  init_options = { trusted = true },
  settings = { critic = { debounceMs = 100 } },
  on_exit = function(code) seen.server_exit = code end,
  handlers = {
    ['critic/status'] = function(_, status)
      if status and status.uri and status.state == 'done' then done[status.uri] = status.version end
    end,
  },
})
if not client_id then return fail('vim.lsp.start_client returned nil') end

-- What Neovim shows for the buffer: code, tier (from the diagnostic's data) and line.
local function shown(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    local data = lsp.data or {}
    table.insert(out, { code = lsp.code or d.code, tier = data.tier, line = d.lnum, source = d.source, related = lsp.relatedInformation and #lsp.relatedInformation or 0 })
  end
  return out
end

local function has(bufnr, pred)
  for _, d in ipairs(shown(bufnr)) do
    if pred(d) then return true end
  end
  return false
end

local function open(path, filetype)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = filetype
  vim.lsp.buf_attach_client(bufnr, client_id)
  return bufnr
end

-- Whether the server finished critiquing the buffer as it is now (not just dropped what an edit touched).
local function critiqued(bufnr)
  local v = done[vim.uri_from_bufnr(bufnr)]
  return v ~= nil and v >= vim.api.nvim_buf_get_changedtick(bufnr)
end

local function step(name, bufnr, pred)
  local ok = vim.wait(timeout, function() return pred(bufnr) end, 20)
  seen.steps[name] = { ok = ok, diagnostics = shown(bufnr) }
  if not ok then fail('timed out waiting for: ' .. name) end
  return ok
end

-- Python: a docstring example that fails, then the unsaved buffer fixed.
local py = open(root .. '/calc.py', 'python')
if not step('python-fails', py, function(b) return has(b, function(d) return d.tier == 'executed' end) end) then return end
local line = vim.fn.search('return a - b') - 1
vim.api.nvim_buf_set_lines(py, line, line + 1, false, { '    return a + b' })
if not step('python-fixed', py, function(b) return critiqued(b) and #shown(b) == 0 end) then return end

-- TypeScript: a type error, then fixed the same way.
local ts = open(root .. '/len.ts', 'typescript')
if not step('ts-fails', ts, function(b) return has(b, function(d) return d.code == 'ts-2339' end) end) then return end
local tline = vim.fn.search('s.size') - 1
vim.api.nvim_buf_set_lines(ts, tline, tline + 1, false, { '  return s.length;' })
if not step('ts-fixed', ts, function(b) return critiqued(b) and #shown(b) == 0 end) then return end

seen.modified = { python = vim.bo[py].modified, ts = vim.bo[ts].modified }
vim.lsp.stop_client(client_id)
vim.wait(5000, function() return seen.server_exit ~= nil end, 20)
finish(0)
