-- Argo CD health check for sealkit.dev SealedSecret, RemoteSecret, RemoteStore, ClusterRemoteStore, DynamicSecret,
-- PushSecret, ClusterRemoteSecret.
-- All seven carry the same status: observedGeneration and a Ready condition with a reason.
--
-- Healthy only when Ready=True was written for the generation in the spec now: a SealedSecret
-- edited in Git keeps its old Ready=True until the controller has looked at the new values, and
-- showing that as Healthy would let a sync wave go ahead with a Secret that is about to fail.
-- Runs with Argo CD's restricted Lua: base, table and package only (no string or math library).
local hs = { status = "Progressing", message = "Waiting for the sealkit controller" }

local generation = obj.metadata.generation
local status = obj.status
if status == nil then
  return hs
end
if generation ~= nil and status.observedGeneration ~= generation then
  hs.message = "Waiting for the sealkit controller to observe generation " .. generation
  return hs
end

local ready = nil
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type == "Ready" then
      ready = condition
    end
  end
end
if ready == nil then
  hs.message = "Waiting for the sealkit controller to report Ready"
  return hs
end
-- A condition carries its own observedGeneration; an older one is stale whatever it says.
if generation ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration ~= generation then
  hs.message = "Waiting for the sealkit controller to observe generation " .. generation
  return hs
end

local reason = ready.reason or ""
local message = ready.message or ""
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = message
  if hs.message == "" then
    hs.message = reason
  end
elseif ready.status == "False" then
  hs.status = "Degraded"
  hs.message = reason
  if message ~= "" then
    hs.message = reason .. ": " .. message
  end
else
  hs.message = "Ready is " .. tostring(ready.status) .. ": " .. reason
end
return hs
