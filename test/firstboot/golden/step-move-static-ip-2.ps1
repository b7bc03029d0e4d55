$targetMac = '00:15:5D:01:0A:03'
$oldDeviceIds = @()
$deadline = (Get-Date).AddSeconds(180)
$nic = $null
$why = 'no adapter found'
while ($nic -eq $null) {
  $physical = @(Get-WmiObject -Class Win32_NetworkAdapter -Filter 'PhysicalAdapter=TRUE' | Where-Object { $_.MACAddress })
  if ($targetMac) {
    $hits = @($physical | Where-Object { $_.MACAddress -eq $targetMac })
    $why = 'no physical adapter with MAC ' + $targetMac
  } else {
    $hits = @($physical | Where-Object { $oldDeviceIds -notcontains [string]$_.PNPDeviceID })
    $why = [string]$hits.Count + ' new physical adapters'
  }
  if ($hits.Count -eq 1) { $nic = $hits[0]; break }
  if ((Get-Date) -ge $deadline) { break }
  Start-Sleep -Seconds 5
}
if ($nic -eq $null) {
  Write-Output ('cannot find the new adapter: ' + $why)
  exit 2
}
Write-Output ('adapter: ' + $nic.Name + ' MAC ' + $nic.MACAddress + ' index ' + $nic.Index)

$failures = 0
function Invoke-Wmi($what, $call) {
  $pause = 2
  $code = -1
  for ($attempt = 1; $attempt -le 5; $attempt++) {
    try {
      $r = & $call
      if ($r -eq $null) { $code = -1 } else { $code = [long]$r.ReturnValue }
    } catch { $code = -1; Write-Output ($what + ': ' + $_.Exception.Message) }
    if (($code -ne 2147786788 -and $code -ne 84) -or $attempt -eq 5) { break }
    Write-Output ($what + ': ' + $code + ', again in ' + $pause + ' s')
    for ($s = 0; $s -lt $pause; $s++) { Start-Sleep -Seconds 1 }
    $pause = $pause * 2
  }
  Write-Output ($what + ': ' + $code)
  if ($code -ne 0 -and $code -ne 1) { $script:failures = $script:failures + 1 }
}
$cfg = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)
$ips = [string[]]@('10.20.30.40')
$masks = [string[]]@('255.255.255.0')
Invoke-Wmi ('EnableStatic ' + ($ips -join ',') + ' / ' + ($masks -join ',')) { $cfg.EnableStatic($ips, $masks) }
$gateways = [string[]]@('10.20.30.1')
Invoke-Wmi ('SetGateways ' + ($gateways -join ',')) { $cfg.SetGateways($gateways) }
$dns = [string[]]@('10.20.30.5','10.20.30.6')
Invoke-Wmi ('SetDNSServerSearchOrder ' + ($dns -join ',')) { $cfg.SetDNSServerSearchOrder($dns) }
Invoke-Wmi 'SetDNSDomain corp.contoso.com' { $cfg.SetDNSDomain('corp.contoso.com') }
Invoke-Wmi 'SetDynamicDNSRegistration true true' { $cfg.SetDynamicDNSRegistration($true, $true) }
Invoke-Wmi 'SetTcpipNetbios 0' { $cfg.SetTcpipNetbios(0) }
Invoke-Wmi 'SetWINSServer 10.20.30.5' { $cfg.SetWINSServer('10.20.30.5', '') }
$have = @((Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)).IPAddress)
if ($have -contains '2001:db8:20::40') { Write-Output 'IPv6 2001:db8:20::40: already set' } else {
  $out = & netsh.exe interface ipv6 add address ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:20::40/56' 'store=persistent' 2>&1
  Write-Output ('netsh ipv6 add address 2001:db8:20::40/56: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
  if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
}
if ($have -contains 'fd00::40') { Write-Output 'IPv6 fd00::40: already set' } else {
  $out = & netsh.exe interface ipv6 add address ('interface=' + $nic.InterfaceIndex) 'address=fd00::40' 'store=persistent' 2>&1
  Write-Output ('netsh ipv6 add address fd00::40: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
  if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
}
$out = & netsh.exe interface ipv6 add route 'prefix=::/0' ('interface=' + $nic.InterfaceIndex) 'nexthop=2001:db8:20::1' 'store=persistent' 2>&1
Write-Output ('netsh ipv6 add route ::/0 via 2001:db8:20::1: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
$out = & netsh.exe interface ipv6 add dnsserver ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:20::53' 'index=1' 2>&1
Write-Output ('netsh ipv6 add dnsserver 2001:db8:20::53: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
$out = & netsh.exe interface ipv6 add dnsserver ('interface=' + $nic.InterfaceIndex) 'address=2001:db8:20::54' 'index=2' 2>&1
Write-Output ('netsh ipv6 add dnsserver 2001:db8:20::54: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
if ($LASTEXITCODE -ne 0) { $failures = $failures + 1 }
$active = @(Get-WmiObject -Class Win32_IP4RouteTable -Filter ('Destination=''10.50.0.0'' AND Mask=''255.255.0.0'' AND NextHop=''10.20.30.254'' AND InterfaceIndex=' + $nic.InterfaceIndex))
if ($active.Count -gt 0) { Write-Output 'route 10.50.0.0 mask 255.255.0.0 10.20.30.254: already on the new interface' } else {
  $out = & route.exe -p add 10.50.0.0 mask 255.255.0.0 10.20.30.254 metric 10 if $nic.InterfaceIndex 2>&1
  Write-Output ('route 10.50.0.0 mask 255.255.0.0 10.20.30.254: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
}
$active = @(Get-WmiObject -Class Win32_IP4RouteTable -Filter ('Destination=''172.16.0.0'' AND Mask=''255.240.0.0'' AND NextHop=''10.20.30.253'' AND InterfaceIndex=' + $nic.InterfaceIndex))
if ($active.Count -gt 0) { Write-Output 'route 172.16.0.0 mask 255.240.0.0 10.20.30.253: already on the new interface' } else {
  $out = & route.exe -p add 172.16.0.0 mask 255.240.0.0 10.20.30.253 if $nic.InterfaceIndex 2>&1
  Write-Output ('route 172.16.0.0 mask 255.240.0.0 10.20.30.253: ' + ($out -join ' ') + ' (exit ' + $LASTEXITCODE + ')')
}
$wantedName = 'Production Team''s NIC'
if ([string]$nic.NetConnectionID -eq $wantedName) { Write-Output ('connection name: ' + $wantedName) } else {
  $oldName = [string]$nic.NetConnectionID
  try {
    $nic.NetConnectionID = $wantedName
    $null = $nic.Put()
    Write-Output ('connection name: ' + $wantedName + ' (was ' + $oldName + ')')
  } catch {
    Write-Output ('connection name ' + $wantedName + ' not set (still held by another adapter?): ' + $_.Exception.Message)
  }
}
$now = Get-WmiObject -Class Win32_NetworkAdapterConfiguration -Filter ('Index=' + $nic.Index)
Write-Output ('now: ' + (@($now.IPAddress) -join ',') + ' gw ' + (@($now.DefaultIPGateway) -join ',') + ' dns ' + (@($now.DNSServerSearchOrder) -join ','))
if ($failures -gt 0) { exit 1 }
exit 0