-- nqueens 10: count all solutions with the classic list-based backtracking
-- (the Gabriel/r7rs-benchmarks `queens`). Lists are Lua arrays: x holds the
-- rows still to place, y the rows set aside, z the placed rows, newest first.
local function ok(row, placed)
  for dist = 1, #placed do
    local q = placed[dist]
    if q == row + dist or q == row - dist then return false end
  end
  return true
end

local function try(x, y, z)
  if #x == 0 then
    if #y == 0 then return 1 else return 0 end
  end
  local head = x[1]
  local count = 0
  if ok(head, z) then
    local x2 = {}                         -- (append (cdr x) y)
    for i = 2, #x do x2[#x2 + 1] = x[i] end
    for i = 1, #y do x2[#x2 + 1] = y[i] end
    local z2 = { head }                   -- (cons (car x) z)
    for i = 1, #z do z2[i + 1] = z[i] end
    count = try(x2, {}, z2)
  end
  local x3 = {}                           -- (cdr x)
  for i = 2, #x do x3[i - 1] = x[i] end
  local y3 = { head }                     -- (cons (car x) y)
  for i = 1, #y do y3[i + 1] = y[i] end
  return count + try(x3, y3, z)
end

local function queens(n)
  local rows = {}
  for i = 1, n do rows[i] = i end
  return try(rows, {}, {})
end

print(queens(10))
