$targetMac = '00:15:5D:01:0A:02'
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
$names = @('*IPChecksumOffloadIPv4','*TCPChecksumOffloadIPv4','*TCPChecksumOffloadIPv6','*UDPChecksumOffloadIPv4','*UDPChecksumOffloadIPv6','*LsoV1IPv4','*LsoV2IPv4','*LsoV2IPv6','*JumboPacket','*InterruptModeration')
$values = @('0','0','0','0','0','0','0','0','9014','0')
$classRoot = 'HKLM:\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}'
$classKey = $null
foreach ($k in @(Get-ChildItem -Path $classRoot -ErrorAction SilentlyContinue)) {
  $id = [string](Get-ItemProperty -Path $k.PSPath -Name NetCfgInstanceId -ErrorAction SilentlyContinue).NetCfgInstanceId
  if ($id -and $id -eq [string]$nic.GUID) { $classKey = $k.PSPath; break }
}
if ($classKey -eq $null) {
  Write-Output ('no class key for adapter ' + $nic.GUID)
  exit 2
}
$changed = 0
for ($i = 0; $i -lt $names.Count; $i++) {
  $name = $names[$i]
  if (-not (Test-Path -Path ($classKey + '\Ndi\Params\' + $name))) {
    Write-Output ($name + ': not offered by this driver, left alone')
    continue
  }
  $old = [string](Get-ItemProperty -Path $classKey -Name $name -ErrorAction SilentlyContinue).$name
  $null = New-ItemProperty -Path $classKey -Name $name -Value $values[$i] -PropertyType String -Force
  Write-Output ($name + ': ' + $old + ' -> ' + $values[$i])
  $changed = $changed + 1
}
if ($changed -gt 0 -and $true) {
  $null = $nic.Disable()
  Start-Sleep -Seconds 3
  $r = $nic.Enable()
  Write-Output ('adapter restarted: ' + $r.ReturnValue)
}
exit 0