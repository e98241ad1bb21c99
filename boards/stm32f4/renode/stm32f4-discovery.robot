*** Comments ***
hark's stm32f4-discovery image on Renode's STM32F4 Discovery: it says HELLO and answers an identity request on
USART2, its console. Shipped for users, not run in CI (Renode is not installable there; QEMU's netduinoplus2
runs the same stm32f4 board port in CI):
    renode-test boards/stm32f4/renode/stm32f4-discovery.robot
    renode-test boards/stm32f4/renode/stm32f4-discovery.robot --variable ELF:${PWD}/.pio/build/stm32f4-discovery/firmware.elf
The frames are COBS-encoded, which leaves non-zero bytes as they are: string fields show up verbatim.

*** Variables ***
${SCRIPT}                       ${CURDIR}/stm32f4-discovery.resc
${ELF}                          ${CURDIR}/../../../build/arm-stm32f4-discovery/firmware/app/hark_app.elf
${UART}                         sysbus.usart2
${FIRMWARE_VERSION}             0.1.0
${BOARD}                        stm32f4-discovery
# IDENTITY_GET with sequence number 1, as hark.device.protocol.encode_message("IDENTITY_GET", 1) frames it.
@{IDENTITY_GET}                 0x00    0x04    0x01    0x02    0x01    0x01    0x05    0x11    0x7c    0x89    0x50    0x00

*** Keywords ***
Create Machine
    Execute Command             $elf=@${ELF}
    Execute Script              ${SCRIPT}
    Create Terminal Tester      ${UART}    timeout=10

Send Bytes To Uart
    [Arguments]                 @{bytes}
    FOR    ${byte}    IN    @{bytes}
        Execute Command         ${UART} WriteChar ${byte}
    END

*** Test Cases ***
Should Say Hello
    Create Machine
    Start Emulation
    Wait For Prompt On Uart     ${FIRMWARE_VERSION}

Should Answer The Identity Request
    Create Machine
    # The clock tree's bounded waits take a moment if the platform's RCC leaves a ready bit at 0.
    Execute Command             emulation RunFor "0.5"
    Send Bytes To Uart          @{IDENTITY_GET}
    Start Emulation
    Wait For Prompt On Uart     ${BOARD}
