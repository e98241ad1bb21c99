*** Comments ***
The emulated board boots hark's firmware, says HELLO and answers an identity request on UART0.
Run with Renode's test runner (Renode is not part of CI; QEMU is):
    renode-test boards/mps2-an386/renode/mps2-an386.robot
    renode-test boards/mps2-an386/renode/mps2-an386.robot --variable ELF:${PWD}/.pio/build/mps2-an386/firmware.elf
The serial protocol is binary (frames: 0x00, COBS(header | payload | CRC-32), 0x00), but COBS leaves
bytes other than zero as they are, so a string field of a frame shows up verbatim on the UART.
tests/test_renode_files.py checks the variables below against the firmware and the host codec.

*** Variables ***
${SCRIPT}                       ${CURDIR}/mps2-an386.resc
${ELF}                          ${CURDIR}/../../../build/arm/firmware/app/hark_app.elf
${UART}                         sysbus.uart0
${FIRMWARE_VERSION}             0.1.0
${BOARD}                        mps2-an386
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
    # The HELLO frame carries the firmware version as a string field.
    Wait For Prompt On Uart     ${FIRMWARE_VERSION}

Should Answer The Identity Request
    Create Machine
    # Let the firmware start and enable its receive interrupt before talking to it.
    Execute Command             emulation RunFor "0.1"
    Send Bytes To Uart          @{IDENTITY_GET}
    Start Emulation
    # The IDENTITY reply carries the board's name as a string field.
    Wait For Prompt On Uart     ${BOARD}
